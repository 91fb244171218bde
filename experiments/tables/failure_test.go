package tables

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

var testOutcomes = []envs.Outcome{"goal", "end_no_goal", "timeout"}

// records builds counts[variant][seed][outcome] episodes.
func records(counts map[string]map[int]map[envs.Outcome]int) []schema.EpisodeRecord {
	var out []schema.EpisodeRecord
	level := uint64(0)
	for v, bySeed := range counts {
		for s, byOutcome := range bySeed {
			for o, n := range byOutcome {
				for range n {
					out = append(out, schema.EpisodeRecord{Variant: v, Seed: s, LevelSeed: envs.EvalSeedBase + level, Outcome: o, Return: 1, Length: 5})
					level++
				}
			}
		}
	}
	return out
}

func TestCountOutcomes(t *testing.T) {
	recs := records(map[string]map[int]map[envs.Outcome]int{
		schema.IDVariant: {0: {"goal": 9, "timeout": 1}, 1: {"goal": 10}},
		"random_goal":    {1: {"end_no_goal": 6, "goal": 2}, 0: {"end_no_goal": 4, "goal": 5, "timeout": 1}},
	})
	// Shuffle: the table must not depend on record order.
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	rows, err := CountOutcomes(recs, []string{schema.IDVariant, "random_goal"}, testOutcomes)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ v, s, o string }
	want := map[key][2]int{ // count, episodes
		{schema.IDVariant, "pooled", "goal"}: {19, 20}, {schema.IDVariant, "pooled", "end_no_goal"}: {0, 20}, {schema.IDVariant, "pooled", "timeout"}: {1, 20},
		{schema.IDVariant, "0", "goal"}: {9, 10}, {schema.IDVariant, "0", "end_no_goal"}: {0, 10}, {schema.IDVariant, "0", "timeout"}: {1, 10},
		{schema.IDVariant, "1", "goal"}: {10, 10}, {schema.IDVariant, "1", "end_no_goal"}: {0, 10}, {schema.IDVariant, "1", "timeout"}: {0, 10},
		{"random_goal", "pooled", "goal"}: {7, 18}, {"random_goal", "pooled", "end_no_goal"}: {10, 18}, {"random_goal", "pooled", "timeout"}: {1, 18},
		{"random_goal", "0", "goal"}: {5, 10}, {"random_goal", "0", "end_no_goal"}: {4, 10}, {"random_goal", "0", "timeout"}: {1, 10},
		{"random_goal", "1", "goal"}: {2, 8}, {"random_goal", "1", "end_no_goal"}: {6, 8}, {"random_goal", "1", "timeout"}: {0, 8},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	var order []string
	for i, r := range rows {
		w, ok := want[key{r.Variant, r.Seed, r.Outcome}]
		if !ok || r.Count != w[0] || r.Episodes != w[1] {
			t.Errorf("row %d = %+v, want count/episodes %v", i, r, w)
		}
		lo, hi := schema.Wilson(r.Count, r.Episodes)
		if r.CILow != lo || r.CIHigh != hi || r.Rate != float64(r.Count)/float64(r.Episodes) {
			t.Errorf("row %d: rate/interval %v [%v, %v]", i, r.Rate, r.CILow, r.CIHigh)
		}
		order = append(order, r.Variant+"/"+r.Seed+"/"+r.Outcome)
	}
	if order[0] != schema.IDVariant+"/pooled/goal" || order[3] != schema.IDVariant+"/0/goal" || order[9] != "random_goal/pooled/goal" || order[17] != "random_goal/1/timeout" {
		t.Errorf("row order = %v", order)
	}

	for i, bad := range []schema.EpisodeRecord{
		{Variant: "nope", Outcome: "goal"},
		{Variant: schema.IDVariant, Outcome: "exploded"},
	} {
		if _, err := CountOutcomes([]schema.EpisodeRecord{bad}, []string{schema.IDVariant}, testOutcomes); err == nil {
			t.Errorf("case %d: %+v accepted", i, bad)
		}
	}
}

func sampleRows(t *testing.T) []schema.Row {
	rows, err := CountOutcomes(records(map[string]map[int]map[envs.Outcome]int{
		schema.IDVariant: {0: {"goal": 97, "timeout": 3}, 2: {"goal": 100}},
		"random_goal":    {0: {"end_no_goal": 70, "goal": 30}, 2: {"end_no_goal": 1, "goal": 99}},
	}), []string{schema.IDVariant, "random_goal"}, testOutcomes)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTableFilesRoundTrip(t *testing.T) {
	rows := sampleRows(t)
	dir := writeFiles(t)(FailureFiles(rows, "Test"))
	// JSON: exactly the documented fields, values back unchanged.
	data, err := os.ReadFile(filepath.Join(dir, FailureRatesJSON))
	if err != nil {
		t.Fatal(err)
	}
	var generic []map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	wantFields := []string{"ci_high", "ci_low", "count", "episodes", "outcome", "rate", "seed", "variant"}
	for i, obj := range generic {
		var got []string
		for k := range obj {
			got = append(got, k)
		}
		sortStrings(got)
		if !reflect.DeepEqual(got, wantFields) {
			t.Fatalf("JSON object %d fields = %v, want %v", i, got, wantFields)
		}
		if _, ok := obj["seed"].(string); !ok {
			t.Fatalf("JSON object %d: seed is %T, want string", i, obj["seed"])
		}
	}
	back, err := schema.ReadRowsJSON(filepath.Join(dir, FailureRatesJSON))
	if err != nil || !reflect.DeepEqual(back, rows) {
		t.Errorf("JSON round trip: err %v, equal %v", err, reflect.DeepEqual(back, rows))
	}
	// CSV: header plus one line per row, parsed back exactly.
	f, err := os.Open(filepath.Join(dir, FailureRatesCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	csvRows, err := schema.ReadCSV(f)
	if err != nil || !reflect.DeepEqual(csvRows, rows) {
		t.Errorf("CSV round trip: err %v\n got %+v\nwant %+v", err, csvRows, rows)
	}
	// Markdown: one table line per row plus header and rule, rates as
	// percentages with the interval.
	md, _ := os.ReadFile(filepath.Join(dir, FailureRatesMD))
	var tableLines int
	for _, l := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(l, "|") {
			tableLines++
		}
	}
	if tableLines != len(rows)+2 {
		t.Errorf("markdown has %d table lines, want %d", tableLines, len(rows)+2)
	}
	lo, hi := schema.Wilson(71, 200)
	wantLine := fmt.Sprintf("| random_goal | **pooled** | end_no_goal | 200 | 71 | 35.5%% [%.1f, %.1f] |", 100*lo, 100*hi)
	if !strings.Contains(string(md), wantLine) || !strings.HasPrefix(string(md), "# Test\n") {
		t.Errorf("markdown lacks %q:\n%s", wantLine, md)
	}
}

// writeFiles returns a function that writes files into a fresh
// directory, which it returns, failing the test on err.
func writeFiles(t *testing.T) func(files Files, err error) string {
	return func(files Files, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestMergeRows(t *testing.T) {
	rows := sampleRows(t)
	var seed0, seed2 []schema.Row
	for _, r := range rows {
		switch r.Seed {
		case "0":
			seed0 = append(seed0, r)
		case "2":
			seed2 = append(seed2, r)
		}
	}
	// Two shards of one experiment merge back into the original table.
	a, _ := withPooled(seed0)
	b, _ := withPooled(seed2)
	merged, err := MergeRows([]RunRows{{Label: "exp@quick", Rows: a}, {Label: "exp@quick", Rows: b}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(merged, rows) {
		t.Errorf("merged shards differ from the full table:\n got %+v\nwant %+v", merged, rows)
	}
	// The same seed twice under one label is a bookkeeping error.
	if _, err := MergeRows([]RunRows{{Label: "exp@quick", Rows: a}, {Label: "exp@quick", Rows: a}}); err == nil {
		t.Errorf("duplicate seed rows accepted")
	}
	// Different experiments stay apart, prefixed by label.
	merged, err = MergeRows([]RunRows{{Label: "x@quick", Rows: a}, {Label: "y@quick", Rows: a}})
	if err != nil {
		t.Fatal(err)
	}
	if merged[0].Variant != "x@quick/"+schema.IDVariant || merged[len(merged)-1].Variant != "y@quick/random_goal" || len(merged) != 2*len(a) {
		t.Errorf("labelled merge: first %+v last %+v", merged[0], merged[len(merged)-1])
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	recs := records(map[string]map[int]map[envs.Outcome]int{schema.IDVariant: {3: {"goal": 2, "timeout": 1}}})
	dir := t.TempDir()
	l := schema.RunLayout{Dir: dir}
	if err := schema.WriteRecords(l.Outcomes(3, schema.IDVariant), recs); err != nil {
		t.Fatal(err)
	}
	if err := schema.WriteRecords(l.Outcomes(4, schema.IDVariant), recs[:1]); err != nil {
		t.Fatal(err)
	}
	back, err := schema.ReadRecordsDir(l.OutcomesDir())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, append(append([]schema.EpisodeRecord{}, recs...), recs[0])) {
		t.Errorf("records round trip: %+v", back)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"variant":"train","seed":0,"outcome":"goal"}`+"\n"+`{"variant":"train","sede":0,"outcome":"goal"}`+"\n"), 0o644)
	if _, err := schema.ReadRecords(bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Errorf("unknown field: err = %v, want it to name line 2", err)
	}
}

func TestSweepSeries(t *testing.T) {
	run := func(point string, coin, end int) RunRows {
		return RunRows{Label: "mix/" + point + "@quick", Point: point, Rows: []schema.Row{
			schema.NewRow(schema.IDVariant, schema.PooledSeed, "coin", 90, 100), schema.NewRow(schema.IDVariant, schema.PooledSeed, "end", 0, 100),
			schema.NewRow("ood", schema.PooledSeed, "coin", coin, 100), schema.NewRow("ood", schema.PooledSeed, "end", end, 100),
			schema.NewRow("ood", "0", "end", end, 100),
		}}
	}
	// Points out of order: the series follow the swept value.
	key, series, err := SweepSeries([]RunRows{run("p=0.2", 80, 15), run("p=0", 20, 75), run("p=0.05", 40, 55)}, []string{"end"})
	if err != nil {
		t.Fatal(err)
	}
	if key != "p" || len(series) != 2 || series[0].Label != "train end" || series[1].Label != "ood end" {
		t.Fatalf("key %q series %+v", key, series)
	}
	s := series[1]
	for i, want := range []struct{ x, y float64 }{{0, 0.75}, {0.05, 0.55}, {0.2, 0.15}} {
		lo, hi := schema.Wilson(int(want.y*100+0.5), 100)
		if s.X[i] != want.x || s.Y[i] != want.y || s.Low[i] != lo || s.High[i] != hi {
			t.Errorf("point %d = (%v, %v [%v, %v]), want x %v y %v", i, s.X[i], s.Y[i], s.Low[i], s.High[i], want.x, want.y)
		}
	}
	for ci, runs := range [][]RunRows{
		{run("p=0.2", 1, 1), run("p=0.2", 1, 1)},
		{run("p=0.2", 1, 1), run("q=0.1", 1, 1)},
		{run("", 1, 1)},
		{run("p=high", 1, 1)},
	} {
		if _, _, err := SweepSeries(runs, []string{"end"}); err == nil {
			t.Errorf("case %d: accepted", ci)
		}
	}
}
