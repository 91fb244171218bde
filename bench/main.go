// Command bench measures misgen's performance figures and prints one line per
// figure, exactly "BENCH <name> <value> <unit>", a format other tools parse.
// Names are a contract: keep them stable.
//
// Usage: go run ./bench [group...]   (no group: every group, in name order)
//
// Each group lives in its own file and registers itself in init.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// reportFunc prints one figure.
type reportFunc func(name string, value float64, unit string)

var groups = map[string]func(report reportFunc) error{}

// register adds a benchmark group; it panics on a duplicate name (programmer error).
func register(name string, run func(report reportFunc) error) {
	if _, dup := groups[name]; dup {
		panic("bench: group registered twice: " + name)
	}
	groups[name] = run
}

func main() {
	names := os.Args[1:]
	if len(names) == 0 {
		for n := range groups {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	report := func(name string, value float64, unit string) {
		fmt.Printf("BENCH %s %.6g %s\n", name, value, unit)
	}
	failed := false
	for _, n := range names {
		run, ok := groups[n]
		if !ok {
			known := make([]string, 0, len(groups))
			for k := range groups {
				known = append(known, k)
			}
			sort.Strings(known)
			fmt.Fprintf(os.Stderr, "bench: unknown group %q (known: %s)\n", n, strings.Join(known, ", "))
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "bench: running %s\n", n)
		if err := run(report); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", n, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
