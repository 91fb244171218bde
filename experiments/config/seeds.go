package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Seeds are the training seeds of an experiment. In TOML `seeds = 3` means
// seeds 0, 1, 2 and `seeds = [0, 5, 7]` lists them; resolved configs always
// hold the list.
type Seeds []int

// UnmarshalTOML accepts a count or an array of integers.
func (s *Seeds) UnmarshalTOML(data any) error {
	switch v := data.(type) {
	case int64:
		if v < 1 || v > maxSeeds {
			return fmt.Errorf("seeds = %d: want a count in [1, %d] or a list", v, maxSeeds)
		}
		*s = countSeeds(int(v))
		return nil
	case []any:
		out := make(Seeds, len(v))
		for i, e := range v {
			n, ok := e.(int64)
			if !ok || n < 0 || n > 1<<31 {
				return fmt.Errorf("seeds[%d] = %v: want an integer seed in [0, 2^31]", i, e)
			}
			out[i] = int(n)
		}
		*s = out
		return nil
	}
	return fmt.Errorf("seeds = %v: want a count (e.g. 3) or a list of integers (e.g. [0, 5, 7])", data)
}

func countSeeds(n int) Seeds {
	s := make(Seeds, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// ParseSeeds parses the --seeds flag of commands that choose the training
// seeds (run, validate): a plain integer N means seeds 0..N-1, a
// comma-separated list ("0,5,7", or "7," for the single seed 7) names the
// seeds.
func ParseSeeds(s string) (Seeds, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSeeds {
			return nil, fmt.Errorf("--seeds %q: want a count in [1, %d] or a comma-separated list of seeds", s, maxSeeds)
		}
		return countSeeds(n), nil
	}
	return ParseSeedList(s)
}

// ParseSeedList parses the --seeds flag of commands that select seeds a
// run already has (eval): one seed ("0") or a comma-separated list ("0,2"),
// never a count.
func ParseSeedList(s string) (Seeds, error) {
	var out Seeds
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || seen[n] {
			return nil, fmt.Errorf("--seeds %q: %q is not a new seed >= 0", s, f)
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--seeds %q: no seeds", s)
	}
	return out, nil
}
