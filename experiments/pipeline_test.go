package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/schema"
)

func TestShardPartitionsJobs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		nJobs := rng.IntN(40)
		jobs := make([]Job, nJobs)
		for i := range jobs {
			jobs[i] = Job{Seed: i, Variant: fmt.Sprint(rng.IntN(3))}
		}
		n := 1 + rng.IntN(9)
		seen := map[int]int{}
		for i := 0; i < n; i++ {
			sel := Shard{Index: i, Count: n}.Select(jobs)
			if len(sel) < nJobs/n || len(sel) > nJobs/n+1 {
				t.Fatalf("trial %d: shard %d/%d has %d of %d jobs: unbalanced", trial, i, n, len(sel), nJobs)
			}
			for k, j := range sel {
				seen[j.Seed]++
				if k > 0 && sel[k-1].Seed >= j.Seed {
					t.Fatalf("trial %d: shard %d/%d out of order", trial, i, n)
				}
			}
			if !reflect.DeepEqual(sel, Shard{Index: i, Count: n}.Select(jobs)) {
				t.Fatalf("trial %d: selection not deterministic", trial)
			}
		}
		for i := 0; i < nJobs; i++ {
			if seen[i] != 1 {
				t.Fatalf("trial %d: job %d in %d shards of %d, want exactly 1", trial, i, seen[i], n)
			}
		}
	}
	if got := (Shard{}).Select([]Job{{Seed: 1}, {Seed: 2}}); len(got) != 2 {
		t.Errorf("zero Shard selected %v", got)
	}
}

func TestParseShard(t *testing.T) {
	for i, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/4", Shard{0, 4}, true}, {"3/4", Shard{3, 4}, true}, {"0/1", Shard{0, 1}, true},
		{"4/4", Shard{}, false}, {"-1/4", Shard{}, false}, {"1/0", Shard{}, false}, {"1", Shard{}, false}, {"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("case %d: ParseShard(%q) = %v, %v", i, tc.in, got, err)
		}
	}
}

// countingStages records how often each stage and job body ran.
type countingStages struct {
	calls map[string]int
	fail  string // stage that fails once
}

func (cs *countingStages) stages() []Stage {
	mk := func(name string, perJob bool) StageFunc {
		return func(ctx context.Context, r *Run) error {
			if cs.fail == name {
				cs.fail = ""
				return errors.New("interrupted")
			}
			cs.calls[name]++
			if !perJob {
				return nil
			}
			return r.ForEachJob(ctx, name, func(ctx context.Context, j Job) error {
				cs.calls[name+"/"+j.Key()]++
				return nil
			})
		}
	}
	return []Stage{
		{Name: "train", Run: mk("train", true)},
		{Name: "eval", Run: mk("eval", true)},
		{Name: "report", Run: mk("report", false), AllJobs: true},
	}
}

func TestExecuteSkipsCompletedStagesAndJobs(t *testing.T) {
	c, err := loadText(t, baseTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cs := &countingStages{calls: map[string]int{}, fail: "eval"}
	var log strings.Builder
	run := func() error {
		runs, err := Plan(c, PlanOptions{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 {
			t.Fatalf("%d runs", len(runs))
		}
		runs[0].Progress = NewProgress(&log, "t")
		return runs[0].Execute(context.Background(), cs.stages())
	}
	// First run: train completes, eval fails.
	if err := run(); err == nil || !strings.Contains(err.Error(), "stage eval: interrupted") {
		t.Fatalf("first run: %v", err)
	}
	// Second run resumes: train skipped, eval and report run.
	if err := run(); err != nil {
		t.Fatal(err)
	}
	// Third run: everything skipped.
	if err := run(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"train": 1, "train/seed-0": 1, "train/seed-1": 1, "eval": 1, "eval/seed-0": 1, "eval/seed-1": 1, "report": 1}
	if !reflect.DeepEqual(cs.calls, want) {
		t.Errorf("calls = %v, want %v", cs.calls, want)
	}
	id, _ := c.RunID()
	dir := filepath.Join(out, "t", id)
	for _, f := range []string{"resolved.toml", "manifest.json", ".done/train", ".done/eval", ".done/report", ".done/train.jobs/seed-1"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	var man Manifest
	data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(data, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Sessions) != 3 || !strings.Contains(man.Sessions[0].Error, "interrupted") || man.Sessions[1].Error != "" ||
		man.FinishedAt == nil || man.Machine.NumCPU < 1 || man.Profile != "quick" || !reflect.DeepEqual(man.Seeds, []int{0, 1}) ||
		man.LibtorchVersion == "" || man.Commit == "" {
		t.Errorf("manifest = %+v", man)
	}
	if !strings.Contains(log.String(), "stage 1/3 train: done earlier, skipped") {
		t.Errorf("progress log:\n%s", log.String())
	}
	// An edited resolved.toml is refused rather than silently mixed.
	os.WriteFile(filepath.Join(dir, "resolved.toml"), []byte("[experiment]\nname = \"other\"\n"), 0o644)
	if err := run(); err == nil || !strings.Contains(err.Error(), "different config") {
		t.Errorf("edited resolved.toml: %v", err)
	}
}

func TestShardedExecuteDefersReport(t *testing.T) {
	c, err := loadText(t, sweepTOML, "full") // 3 points × seeds [0 4 9]
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cs := &countingStages{calls: map[string]int{}}
	total := 0
	for i := 0; i < 4; i++ {
		runs, err := Plan(c, PlanOptions{Out: out, Shard: Shard{i, 4}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			total += len(r.Jobs)
			if err := r.Execute(context.Background(), cs.stages()); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(r.ManifestPath(r.Shard)); err != nil || !strings.Contains(r.ManifestPath(r.Shard), "shard-") {
				t.Errorf("shard manifest %s: %v", r.ManifestPath(r.Shard), err)
			}
		}
	}
	if total != 9 || cs.calls["report"] != 0 {
		t.Errorf("jobs over shards = %d (want 9), report ran %d times (want 0)", total, cs.calls["report"])
	}
	var trained int
	for k, n := range cs.calls {
		if strings.HasPrefix(k, "train/") {
			trained += n
		}
	}
	if trained != 9 {
		t.Errorf("trained %d seed jobs over all shards, want 9", trained)
	}
	// Per-variant jobs (eval) partition seed × variant.
	runs, _ := Plan(c, PlanOptions{Out: out, PerVariant: true})
	n := 0
	for _, r := range runs {
		n += len(r.Jobs)
	}
	if n != 3*3*2 {
		t.Errorf("per-variant jobs = %d, want 18", n)
	}
}

func TestStandardPipelineOrder(t *testing.T) {
	var names []string
	for i, st := range StandardStages().Pipeline() {
		names = append(names, st.Name)
		if st.Run == nil {
			t.Errorf("stage %d (%s) has no implementation", i, st.Name)
		}
	}
	if got := strings.Join(names, ","); got != "train,eval,interp,audit,report" {
		t.Errorf("stages = %s, want train,eval,interp,audit,report", got)
	}
}

func TestMeterReportsRateAndETA(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b, "exp")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	m := p.Meter("train seed 2", 100_000, "steps")
	now = now.Add(10 * time.Second)
	m.Update(40_000)
	now = now.Add(time.Second) // within the interval: no line
	m.Update(44_000)
	now = now.Add(14 * time.Second)
	m.Update(100_000)
	want := "[exp] train seed 2: 40000/100000 steps (40%), 4.0k steps/s, ETA 15s\n" +
		"[exp] train seed 2: 100000/100000 steps (100%), 4.0k steps/s, took 25s\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var nilP *Progress
	nilP.Printf("discarded")
	nilP.Meter("x", 1, "u").Update(1)
}

func TestWriteRunTables(t *testing.T) {
	c, _ := loadText(t, baseTOML, "quick")
	r, err := NewRun(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteRunTables(r); err == nil {
		t.Errorf("tables without records accepted")
	}
	for _, s := range c.Experiment.Seeds {
		for _, v := range c.Variants() {
			recs := []schema.EpisodeRecord{{Variant: v, Seed: s, Outcome: "goal"}, {Variant: v, Seed: s, Outcome: "end_no_goal"}}
			if err := schema.WriteRecords(r.Outcomes(s, v), recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err := WriteRunTables(r)
	if err != nil {
		t.Fatal(err)
	}
	// 2 variants × (pooled + 2 seeds) × 3 outcomes of the test game.
	if len(rows) != 18 || rows[0].Seed != schema.PooledSeed || rows[0].Episodes != 4 || rows[0].Count != 2 {
		t.Errorf("%d rows, first %+v", len(rows), rows[0])
	}
	for _, f := range []string{tables.FailureRatesJSON, tables.FailureRatesCSV, tables.FailureRatesMD, tables.PreferenceJSON, tables.PreferenceCSV, tables.PreferenceMD} {
		if _, err := os.Stat(filepath.Join(r.Tables(), f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	for _, f := range []string{"failure_rates.png", tables.PreferencePlot} {
		if _, err := os.Stat(filepath.Join(r.Plots(), f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// Without the pursuit measure or levels played once: no pursuit or
	// paired table.
	for _, f := range []string{tables.PursuitJSON, tables.PairedJSON} {
		if _, err := os.Stat(filepath.Join(r.Tables(), f)); err == nil {
			t.Errorf("%s written", f)
		}
	}
}

func TestAutoParallelism(t *testing.T) {
	for i, c := range []struct{ jobs, cpus, threads, want int }{
		0: {3, 2, 1, 3},   // 3 seeds on 2 cores: all at once (1.5 job-times, not 2)
		1: {4, 2, 1, 4},   // twice the slots: still all at once
		2: {5, 2, 1, 2},   // more: one per slot
		3: {2, 2, 1, 2},   // as many as slots
		4: {1, 16, 1, 16}, // fewer jobs than slots: the slot count
		5: {2, 2, 4, 2},   // threads > cpus: one slot, 2 jobs all at once
		6: {3, 2, 4, 1},   // one slot, 3 jobs: one at a time
		7: {0, 2, 1, 2},
	} {
		if got := autoParallelism(c.jobs, c.cpus, c.threads); got != c.want {
			t.Errorf("case %d: autoParallelism(%d, %d, %d) = %d, want %d", i, c.jobs, c.cpus, c.threads, got, c.want)
		}
	}
}
