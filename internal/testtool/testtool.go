// Package testtool is what tests use to depend on things outside Go: an
// external tool (python3 with torch, Chromium, Slurm, an X display), or
// enough time to train agents.
//
// A test whose tool is missing is skipped on a developer's machine but
// fails under CI=true, so CI cannot pass by skipping what it was meant to
// run (scripts/setup.sh installs every tool). Integration tests (those that
// train agents or drive external tools) are skipped under -short: `make
// unit` runs go test -short, `make test` runs everything.
package testtool

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// CIEnv is the environment variable that marks a CI run: when it is
// "true" (or "1"), a missing tool fails the test instead of skipping it.
const CIEnv = "CI"

// CI reports whether this is a CI run (CIEnv is "true" or "1").
func CI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(CIEnv)))
	return v == "true" || v == "1"
}

// Missing ends t because a required tool is missing: it skips t, or under
// CI fails it, with the message formatted from format and args (say what
// is missing and how to install it).
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("required tool missing under %s=true: "+format, append([]any{CIEnv}, args...)...)
	}
	t.Skipf(format, args...)
}

// Require ends t through Missing unless every named program is found (on
// PATH, or at the path given when a name contains a slash); hint says how
// to install them. It returns the programs' paths in the order named.
func Require(t testing.TB, hint string, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	var missing []string
	for i, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		paths[i] = p
	}
	if len(missing) > 0 {
		Missing(t, "%s not found: %s", strings.Join(missing, ", "), hint)
	}
	return paths
}

// RequireAny returns the path of the first named program found, and ends
// t through Missing when none is; hint says how to install one.
func RequireAny(t testing.TB, hint string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "none of %s found: %s", strings.Join(names, ", "), hint)
	return ""
}

// Integration skips t under -short: it trains agents or drives external
// tools (why says which), so it belongs to `make test`, not `make unit`.
func Integration(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (skipped under -short): " + why)
	}
}
