package tables

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

func TestPairedVariantsComparesSameLevelsOnly(t *testing.T) {
	var recs []schema.EpisodeRecord
	add := func(variant string, seed int, level uint64, outcome envs.Outcome) {
		recs = append(recs, schema.EpisodeRecord{Variant: variant, Seed: seed, LevelSeed: level, Outcome: outcome})
	}
	// "ood" and "control" share 10 units per seed; "train" has other levels.
	// Seed 0: goal in both on levels 0-3, in control only on 4-8, in neither
	// on 9. Seed 1: goal in ood only on level 0, in both on 1-9.
	for l := uint64(0); l < 10; l++ {
		add("train", 0, 100+l, "win")
		switch {
		case l < 4:
			add("ood", 0, l, "win")
			add("control", 0, l, "win")
		case l < 9:
			add("ood", 0, l, "lose")
			add("control", 0, l, "win")
		default:
			add("ood", 0, l, "lose")
			add("control", 0, l, "lose")
		}
		if l == 0 {
			add("ood", 1, l, "win")
			add("control", 1, l, "lose")
		} else {
			add("ood", 1, l, "win")
			add("control", 1, l, "win")
		}
	}
	rows := PairedVariants(recs, []string{"train", "ood", "control"}, "win")
	if len(rows) != 1 || rows[0].A != "ood" || rows[0].B != "control" {
		t.Fatalf("rows %+v, want the one pair ood/control (train is on other levels)", rows)
	}
	d := rows[0].Diff
	// ood: 4 + 10 = 14 of 20; control: 9 + 9 = 18 of 20.
	if d.N != 20 || d.Down != 1 || d.Up != 5 || math.Abs(d.Base-0.7) > 1e-12 || math.Abs(d.Treated-0.9) > 1e-12 {
		t.Errorf("paired %+v, want n 20, A only 1, B only 5, rates 0.7 → 0.9", d)
	}
	// McNemar exact, b = 1, c = 5: 2·P(X ≤ 1), X ~ Bin(6, ½) = 2·7/64.
	if math.Abs(d.P-14.0/64) > 1e-9 {
		t.Errorf("p = %v, want %v", d.P, 14.0/64)
	}
	if !(d.Lo <= d.Delta && d.Delta <= d.Hi) {
		t.Errorf("interval [%v, %v] does not hold Δ %v", d.Lo, d.Hi, d.Delta)
	}

	dir := writeFiles(t)(PairedFiles(rows, "test"))
	md, err := os.ReadFile(filepath.Join(dir, PairedMD))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| ood | control | 20 | 70.0% | 90.0% | +20.0 [") {
		t.Errorf("paired.md lacks the row:\n%s", md)
	}

	if files, err := PairedFiles(nil, "test"); err != nil || len(files) != 0 {
		t.Errorf("no pair: files %v, err %v", files, err)
	}

	recs = append(recs, schema.EpisodeRecord{Variant: "ood", Seed: 0, LevelSeed: 3, Outcome: "win"})
	if rows := PairedVariants(recs, []string{"ood", "control"}, "win"); len(rows) != 0 {
		t.Errorf("a variant that played a level twice was paired: %+v", rows)
	}
}
