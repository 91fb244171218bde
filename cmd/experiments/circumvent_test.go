package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/circumvent"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/internal/testtool"
	"github.com/misgen/misgen/schema"
)

// TestCircumventCommand runs the whole stress test on the shared tiny
// population (a maze, trainedPopulation): every control keeps the outputs,
// every fine-tune stays within the KL tolerance, the attacked agents'
// checkpoints load, and the original's behaviour is the eval stage's.
func TestCircumventCommand(t *testing.T) {
	testtool.Integration(t, "trains ten tiny agents (shared with TestAuditNeverBuildsAnOODEnvironment)")
	r := trainedPopulation(t)
	ctx := context.Background()
	if err := r.Execute(ctx, []experiments.Stage{{Name: "eval", Run: experiments.EvalStage}}); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Main(ctx, []string{"audit", r.Dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("experiments audit exited %d: %s", code, stderr.String())
	}
	stdout.Reset()
	args := []string{"circumvent", "--seed", "1", "--steps", "20", "--levels", "8", "--tolerance", "0.01", r.Dir}
	if code := Main(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("experiments circumvent exited %d: %s", code, stderr.String())
	}
	var rep circumvent.Report
	b, err := os.ReadFile(filepath.Join(r.AuditDir(), circumvent.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Setting.Population != r.AuditJSON() || rep.Setting.Seed != 1 || len(rep.Findings) != len(rep.Statistics) {
		t.Errorf("setting %+v with %d findings for %d statistics", rep.Setting, len(rep.Findings), len(rep.Statistics))
	}
	var names []string
	for _, col := range rep.Columns {
		names = append(names, col.Name)
		switch col.Kind {
		case circumvent.Passive:
			if col.Output.MaxLogit > 1e-5 || col.Output.MaxValue > 1e-5 {
				t.Errorf("control %s moved the outputs by %.3g / %.3g", col.Name, col.Output.MaxLogit, col.Output.MaxValue)
			}
		case circumvent.Active:
			if col.FineTune != nil && col.Output.MeanKL > rep.Setting.Tolerance {
				t.Errorf("attack %s: check KL %.4f over the tolerance", col.Name, col.Output.MeanKL)
			}
			p, _, err := agents.LoadPolicy(filepath.Join(r.AuditDir(), col.Checkpoint))
			if err != nil {
				t.Errorf("attack %s: %v", col.Name, err)
				continue
			}
			p.Free()
		}
		if len(col.Values) != len(rep.Statistics) {
			t.Errorf("%s: %d statistics of %d", col.Name, len(col.Values), len(rep.Statistics))
		}
	}
	for _, want := range []string{"original", "permute", "scale", "shift-critic", "tune-goal-signal"} {
		if !slices.Contains(names, want) {
			t.Errorf("columns %v lack %s", names, want)
		}
	}
	// The maze has no proxy channel: the attacks on the goal/proxy weight
	// share are skipped, and the command says why (circumvent's own tests
	// run them on a game with both channels).
	if skip := "rescale-first-layer and tune-weight-share: the game lacks a goal or proxy channel"; slices.Contains(names, "tune-weight-share") ||
		!strings.Contains(stderr.String(), skip) {
		t.Errorf("columns %v; stderr lacks %q:\n%s", names, skip, stderr.String())
	}
	// The original's behaviour is what the eval stage recorded.
	recs, err := schema.ReadRecords(r.Outcomes(1, schema.IDVariant))
	if err != nil {
		t.Fatal(err)
	}
	success := 0
	for _, rec := range recs {
		if rec.Outcome == maze.OutcomeCheese {
			success++
		}
	}
	if got := rep.Columns[0].Behaviour.IDSuccess; got.Count != success || got.Episodes != len(recs) {
		t.Errorf("original ID success %d of %d, eval stage %d of %d", got.Count, got.Episodes, success, len(recs))
	}
}
