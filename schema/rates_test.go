package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewRowAndPercent(t *testing.T) {
	r := NewRow("train", "0", "coin", 71, 200)
	lo, hi := Wilson(71, 200)
	if r.Rate != 0.355 || r.CILow != lo || r.CIHigh != hi {
		t.Fatalf("row %+v", r)
	}
	if got := r.Percent(); got != "35.5% [29.2, 42.3]" {
		t.Errorf("Percent = %q", got)
	}
	if got := NewRow("v", "0", "o", 0, 0).Percent(); got != "n/a (0 episodes)" {
		t.Errorf("empty Percent = %q", got)
	}
}

func TestReadRowsJSONRejectsInconsistentRows(t *testing.T) {
	dir := t.TempDir()
	for i, tc := range []struct{ body, err string }{
		{`[{"variant":"v","seed":"0","outcome":"o","episodes":10,"count":3,"rate":0.3,"ci_low":0.1,"ci_high":0.6}]`, ""},
		{`[{"variant":"v","seed":"0","outcome":"o","episodes":10,"count":11,"rate":1.1,"ci_low":0.1,"ci_high":1.2}]`, "inconsistent"},
		{`[{"variant":"v","seed":"0","outcome":"o","episodes":10,"count":3,"rate":0.3,"ci_low":0.4,"ci_high":0.6}]`, "row 0 (v/0/o)"},
		{`[{"variant":"v","extra":1}]`, "unknown field"},
	} {
		p := filepath.Join(dir, "t.json")
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadRowsJSON(p)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("case %d: %v", i, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("case %d: error %v, want %q", i, err, tc.err)
		}
	}
}
