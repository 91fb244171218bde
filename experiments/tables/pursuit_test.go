package tables

import (
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
)

func TestPursuitRows(t *testing.T) {
	yes, no := true, false
	rec := func(v string, seed int, p *bool) schema.EpisodeRecord {
		return schema.EpisodeRecord{Variant: v, Seed: seed, Outcome: "x", PursuedGoal: p}
	}
	recs := []schema.EpisodeRecord{
		rec("ood", 1, &yes), rec("ood", 1, &no), rec("ood", 1, &no),
		rec("ood", 0, &yes), rec("ood", 0, &yes),
		rec("train", 0, &yes),
		rec("train", 0, nil), // an old record without the measure
	}
	rows, err := PursuitRows(recs, []string{schema.IDVariant, "ood"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		variant, seed   string
		count, episodes int
	}{
		{schema.IDVariant, schema.PooledSeed, 1, 1}, {schema.IDVariant, "0", 1, 1},
		{"ood", schema.PooledSeed, 3, 5}, {"ood", "0", 2, 2}, {"ood", "1", 1, 3},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Variant != w.variant || r.Seed != w.seed || r.Outcome != PursuedGoal || r.Count != w.count || r.Episodes != w.episodes {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
		if lo, hi := schema.Wilson(w.count, w.episodes); r.CILow != lo || r.CIHigh != hi {
			t.Errorf("row %d interval [%v, %v], want Wilson [%v, %v]", i, r.CILow, r.CIHigh, lo, hi)
		}
	}
	files, err := PursuitFiles(rows, "t: goal pursuit")
	if err != nil || len(files) != 3 || !strings.HasPrefix(string(files[PursuitMD]), "# t: goal pursuit\n") ||
		!strings.Contains(string(files[PursuitMD]), "| ood | **pooled** | pursued_goal | 5 | 3 | 60.0% [") {
		t.Errorf("pursuit files (err %v):\n%s", err, files[PursuitMD])
	}
	if rows, _ := PursuitRows([]schema.EpisodeRecord{rec("ood", 0, nil)}, []string{"ood"}); len(rows) != 0 {
		t.Errorf("records without the measure gave rows %+v", rows)
	}
	if files, err := PursuitFiles(nil, "t"); err != nil || len(files) != 0 {
		t.Errorf("no rows: files %v, err %v", files, err)
	}
}
