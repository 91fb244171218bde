package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/schema"
)

// runMain runs the command line in-process.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, experiments.StandardStages(), args...)
}

// runWith runs the command line in-process with substitute stages, so the
// CLI plumbing is tested the same way whether or not real training is
// wired in.
func runWith(t *testing.T, stages experiments.Stages, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = mainWith(context.Background(), args, streams{stdout: &out, stderr: &errb, stages: stages})
	return code, out.String(), errb.String()
}

func TestHelpAndUsage(t *testing.T) {
	for i, tc := range []struct {
		args []string
		code int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{[]string{"--help"}, 0, "commands:", ""},
		{nil, 2, "", "usage: experiments <command>"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"run", "--help"}, 0, "-shard string", ""},
		{[]string{"table", "-h"}, 0, "-write string", ""},
		{[]string{"run"}, 2, "", "want <config>, got 0 argument(s)"},
		{[]string{"run", "a", "b"}, 2, "", "got 2 argument(s)"},
		{[]string{"run", "--bogus", "coinrun-ood"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"list", "extra"}, 2, "", "got 1 argument(s)"},
	} {
		code, out, errOut := runMain(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("case %d %v: code %d\nstdout: %s\nstderr: %s", i, tc.args, code, out, errOut)
		}
	}
	// Every command has --help.
	for _, c := range commands {
		if code, out, _ := runMain(t, c.name, "--help"); code != 0 || !strings.Contains(out, "usage: experiments "+c.name) {
			t.Errorf("%s --help: code %d, %q", c.name, code, out)
		}
	}
}

func TestList(t *testing.T) {
	code, out, _ := runMain(t, "list")
	if code != 0 {
		t.Fatalf("code %d", code)
	}
	for _, s := range config.List() {
		if !strings.Contains(out, s.Name) || !strings.Contains(out, s.Description) || !strings.Contains(out, strings.Join(s.Profiles, ",")) {
			t.Errorf("list lacks %s: %s", s.Name, out)
		}
	}
}

func TestValidate(t *testing.T) {
	code, out, errOut := runMain(t, "validate", "coinrun-ood.toml", "--profile", "full")
	if code != 0 || !strings.Contains(out, "coinrun-ood.toml: ok") || !strings.Contains(out, "profile full") {
		t.Errorf("good config: code %d\n%s%s", code, out, errOut)
	}
	src, _ := config.ShippedSource("maze-ood.toml")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, bytes.Replace(src, []byte("gamma = 0.99"), []byte("gamam = 0.99"), 1), 0o644)
	code, out, errOut = runMain(t, "validate", bad)
	if code != 2 || !strings.Contains(errOut, `bad.toml: unknown key "ppo.gamam"`) || out != "" {
		t.Errorf("bad config: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, _, errOut = runMain(t, "validate", filepath.Join(dir, "missing.toml"))
	if code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing config: code %d, %s", code, errOut)
	}
	code, _, errOut = runMain(t, "validate", "maze-ood", "--seeds", "0,0")
	if code != 2 || !strings.Contains(errOut, "--seeds") {
		t.Errorf("bad --seeds: code %d, %s", code, errOut)
	}
	code, out, _ = runMain(t, "validate", "--print", "--seeds", "5", "keys-chests-ood")
	if code != 0 || !strings.Contains(out, "seeds = [0, 1, 2, 3, 4]") || !strings.Contains(out, "[env.ood.many_keys]") {
		t.Errorf("validate --print: code %d\n%s", code, out)
	}
}

func failing(name string) experiments.StageFunc {
	return func(context.Context, *experiments.Run) error {
		return errors.New("stage " + name + " not implemented yet")
	}
}

// TestRunStopsAtFailingStage: a failing stage is a runtime error (exit 1)
// after the run directory is laid out; eval and report open that directory.
func TestRunStopsAtFailingStage(t *testing.T) {
	stages := experiments.Stages{Train: failing("train"), Eval: failing("eval"), Interp: failing("interp"), Report: failing("report")}
	runMain := func(t *testing.T, args ...string) (int, string, string) { return runWith(t, stages, args...) }
	out := t.TempDir()
	code, stdout, errOut := runMain(t, "run", "coinrun-ood", "--out", out, "--seeds", "2")
	if code != 1 || !strings.Contains(errOut, "stage train not implemented yet") || !strings.Contains(errOut, "run dir") {
		t.Fatalf("code %d: %s%s", code, stdout, errOut)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "coinrun-ood", "quick-*"))
	if len(dirs) != 1 {
		t.Fatalf("run dirs %v", dirs)
	}
	for _, f := range []string{"resolved.toml", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dirs[0], f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if code, _, errOut := runMain(t, "report", dirs[0]); code != 1 || !strings.Contains(errOut, "stage report not implemented yet") {
		t.Errorf("report: code %d %s", code, errOut)
	}
	if code, _, errOut := runMain(t, "eval", dirs[0], "--shard", "1/2"); code != 1 || !strings.Contains(errOut, "stage eval not implemented yet") {
		t.Errorf("eval: code %d %s", code, errOut)
	}
	if code, _, errOut := runMain(t, "eval", out); code != 2 || !strings.Contains(errOut, "not a run directory") {
		t.Errorf("eval of a non-run dir: code %d %s", code, errOut)
	}
	if code, _, errOut := runMain(t, "run", "coinrun-ood", "--out", out, "--shard", "2/2"); code != 2 || !strings.Contains(errOut, "want i/n") {
		t.Errorf("bad shard: code %d %s", code, errOut)
	}
}

// TestRunResumesAndPrintsTable runs the pipeline with stub stages that
// write real evaluation records: the table is printed, and a second run
// skips every stage and job.
func TestRunResumesAndPrintsTable(t *testing.T) {
	calls := map[string]int{}
	train := func(ctx context.Context, r *experiments.Run) error {
		return r.ForEachJob(ctx, "train", func(ctx context.Context, j experiments.Job) error {
			calls["train/"+j.Key()]++
			return nil
		})
	}
	eval := func(ctx context.Context, r *experiments.Run) error {
		err := r.ForEachJob(ctx, "eval", func(ctx context.Context, j experiments.Job) error {
			calls["eval/"+j.Key()]++
			for _, v := range r.Config.Variants() {
				recs := []schema.EpisodeRecord{
					{Variant: v, Seed: j.Seed, Outcome: "coin"},
					{Variant: v, Seed: j.Seed, Outcome: "reached_end_no_coin"},
				}
				if err := schema.WriteRecords(r.Outcomes(j.Seed, v), recs); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		_, err = experiments.WriteRunTables(r)
		return err
	}
	// coinrun-ood enables the interp stage, so both stubs run once.
	interp := func(context.Context, *experiments.Run) error { calls["interp"]++; return nil }
	report := func(context.Context, *experiments.Run) error { calls["report"]++; return nil }
	stages := experiments.Stages{Train: train, Eval: eval, Interp: interp, Report: report}
	out := t.TempDir()
	for i := 0; i < 2; i++ {
		code, stdout, errOut := runWith(t, stages, "run", "coinrun-ood", "--out", out, "--seeds", "3")
		if code != 0 {
			t.Fatalf("run %d: code %d: %s", i, code, errOut)
		}
		if !strings.Contains(stdout, "| random_coin | **pooled** | reached_end_no_coin | 6 | 3 |") {
			t.Errorf("run %d: table not printed:\n%s", i, stdout)
		}
		if i == 1 && !strings.Contains(errOut, "stage 1/5 train: done earlier, skipped") {
			t.Errorf("second run did not skip:\n%s", errOut)
		}
	}
	for k, n := range calls {
		if n != 1 {
			t.Errorf("%s ran %d times, want once", k, n)
		}
	}
	if len(calls) != 8 { // 3 train jobs, 3 eval jobs, interp, report
		t.Errorf("calls = %v", calls)
	}
}

// fakeRun writes a run directory with a resolved.toml identity and the
// failure-rate table of the given per-seed counts.
func fakeRun(t *testing.T, dir, name string, seeds map[int][2]int) string {
	t.Helper()
	var recs []schema.EpisodeRecord
	for s, c := range seeds { // c = {successes, failures}
		for i := 0; i < c[0]+c[1]; i++ {
			o := "goal"
			if i >= c[0] {
				o = "proxy"
			}
			recs = append(recs, schema.EpisodeRecord{Variant: "ood", Seed: s, Outcome: envsOutcome(o)})
		}
	}
	rows, err := tables.CountOutcomes(recs, []string{"ood"}, outcomes("goal", "proxy"))
	if err != nil {
		t.Fatal(err)
	}
	l := experiments.Layout{Dir: dir}
	if err := experiments.WriteTables(l.Tables(), rows, ""); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(l.ResolvedConfig(), []byte("[experiment]\nname = \""+name+"\"\nprofile = \"quick\"\n"), 0o644)
	return dir
}

func TestTableMerge(t *testing.T) {
	root := t.TempDir()
	a := fakeRun(t, filepath.Join(root, "a"), "exp", map[int][2]int{0: {30, 70}})
	b := fakeRun(t, filepath.Join(root, "b"), "exp", map[int][2]int{1: {10, 90}, 2: {0, 100}})
	outDir := filepath.Join(root, "merged")
	code, out, errOut := runMain(t, "table", a, b, "--write", outDir)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if !strings.Contains(out, "| ood | **pooled** | proxy | 300 | 260 |") || !strings.Contains(out, "| ood | 2 | goal | 100 | 0 | 0.0% [0.0, 3.7] |") {
		t.Errorf("merged table:\n%s", out)
	}
	rows, err := schema.ReadRowsJSON(filepath.Join(outDir, tables.FailureRatesJSON))
	if err != nil || len(rows) != 8 {
		t.Fatalf("written JSON: %d rows, %v", len(rows), err)
	}
	for _, f := range []string{tables.FailureRatesMD, tables.FailureRatesCSV, "failure_rates.png"} {
		if st, err := os.Stat(filepath.Join(outDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written", f)
		}
	}
	// Merging a run with itself double-counts seeds: refused.
	if code, _, errOut := runMain(t, "table", a, a); code != 1 || !strings.Contains(errOut, "two rows") {
		t.Errorf("duplicate merge: code %d %s", code, errOut)
	}
	// Different experiments are kept apart by label.
	c := fakeRun(t, filepath.Join(root, "c"), "other", map[int][2]int{0: {1, 1}})
	if code, out, _ := runMain(t, "table", a, c); code != 0 || !strings.Contains(out, "| other@quick/ood |") || !strings.Contains(out, "| exp@quick/ood |") {
		t.Errorf("labelled merge: code %d\n%s", code, out)
	}
	if code, _, _ := runMain(t, "table", filepath.Join(root, "nope")); code != 1 {
		t.Errorf("missing run dir: code %d", code)
	}
}

func TestTableSweepPlot(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for i, point := range []string{"p=0.2", "p=0"} {
		d := fakeRun(t, filepath.Join(root, fmt.Sprint(i)), "mix", map[int][2]int{0: {20 + 50*i, 80 - 50*i}})
		os.WriteFile(experiments.Layout{Dir: d}.ResolvedConfig(), []byte("[experiment]\nname = \"mix\"\nprofile = \"quick\"\npoint = \""+point+"\"\n"), 0o644)
		dirs = append(dirs, d)
	}
	out := filepath.Join(root, "merged")
	if code, _, errOut := runMain(t, append(append([]string{"table"}, dirs...), "--write", out, "--sweep-outcomes", "proxy")...); code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if st, err := os.Stat(filepath.Join(out, "sweep.png")); err != nil || st.Size() == 0 {
		t.Errorf("sweep.png not written: %v", err)
	}
	if code, _, errOut := runMain(t, append(append([]string{"table"}, dirs...), "--write", out, "--sweep-outcomes", "bogus")...); code != 1 || !strings.Contains(errOut, "no run reports") {
		t.Errorf("unknown outcome: code %d %s", code, errOut)
	}
	plain := fakeRun(t, filepath.Join(root, "plain"), "mix", map[int][2]int{0: {1, 1}})
	if code, _, errOut := runMain(t, "table", plain, "--write", out, "--sweep-outcomes", "proxy"); code != 1 || !strings.Contains(errOut, "want <key>=<number>") {
		t.Errorf("run without a sweep point: code %d %s", code, errOut)
	}
}

func TestParseInterspersed(t *testing.T) {
	for i, tc := range []struct {
		args    []string
		pos     []string
		profile string
	}{
		{[]string{"x.toml", "--profile", "full"}, []string{"x.toml"}, "full"},
		{[]string{"--profile", "full", "x.toml"}, []string{"x.toml"}, "full"},
		{[]string{"a", "--profile=base", "b"}, []string{"a", "b"}, "base"},
		{[]string{"a", "--", "--profile", "b"}, []string{"a", "--profile", "b"}, ""}, // the default (config.DefaultProfile)
	} {
		o := &runOptions{}
		fs := newTestFlagSet()
		o.register(fs)
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil || strings.Join(pos, " ") != strings.Join(tc.pos, " ") || o.profile != tc.profile {
			t.Errorf("case %d: pos %v profile %q err %v", i, pos, o.profile, err)
		}
	}
}

// --profile names a profile the file defines; one it lacks is a config
// error (exit 2) listing the file's profiles, on every command that
// loads a config, and the flag's help lists the profiles from one place.
func TestProfileFlag(t *testing.T) {
	for _, cmd := range []string{"run", "validate", "slurm"} {
		code, _, errOut := runMain(t, cmd, "coinrun-ood", "--profile", "medium", "--out", t.TempDir())
		if code != 2 || !strings.Contains(errOut, `coinrun-ood.toml: profile "medium" is not defined: the file has profiles quick, full`) {
			t.Errorf("%s --profile medium: code %d\n%s", cmd, code, errOut)
		}
		if code, stdout, _ := runMain(t, cmd, "--help"); code != 0 || !strings.Contains(stdout, config.ProfileChoices()) {
			t.Errorf("%s --help does not list %s:\n%s", cmd, config.ProfileChoices(), stdout)
		}
	}
	if code, stdout, errOut := runMain(t, "validate", "coinrun-population", "--profile", "medium"); code != 0 || !strings.Contains(stdout, "medium-") {
		t.Errorf("validate --profile medium on a config that defines it: code %d\n%s%s", code, stdout, errOut)
	}
}
