package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/internal/testtool"
	"github.com/misgen/misgen/schema"
)

// trapGame is the maze with one more key, trap: while trapArmed is set,
// building an env whose config has trap = true counts in trapBuilt and
// fails. The shared population's OOD variant sets it, so any OOD
// environment the audit instantiates is seen; disarmed (other tests), the
// variant is a plain maze.
const trapGame = "audittrap"

var trapBuilt, trapMixBuilt atomic.Int64

var trapArmed atomic.Bool

var errTrap = errors.New("audittrap: an OOD variant was instantiated")

type trapConfig struct {
	Size         int  `toml:"size"`
	CheeseRegion int  `toml:"cheese_region"`
	MaxSteps     int  `toml:"max_steps"`
	Trap         bool `toml:"trap"`
	// Mix stands for a training mix with moved goals: the canonical audit
	// distribution sets it to 0, and building an env with it counts in
	// trapMixBuilt.
	Mix float64 `toml:"mix"`
}

func (c *trapConfig) maze() *maze.Config {
	m := maze.DefaultConfig()
	m.Size, m.CheeseRegion, m.MaxSteps = c.Size, c.CheeseRegion, c.MaxSteps
	return m
}

func init() {
	envs.Register(envs.Game{
		Name:      trapGame,
		NewConfig: func() any { return &trapConfig{Size: 7, CheeseRegion: 3, MaxSteps: 40} },
		New: func(cfg any, obs envs.ObsConfig) (envs.Env, error) {
			c := cfg.(*trapConfig)
			if c.Trap && trapArmed.Load() {
				trapBuilt.Add(1)
				return nil, errTrap
			}
			if c.Mix > 0 {
				trapMixBuilt.Add(1)
			}
			return maze.New(*c.maze(), obs)
		},
		Channels:  envs.ChannelRoles{Goal: []string{"cheese"}, Background: []string{"floor"}},
		Canonical: func(cfg any) { cfg.(*trapConfig).Mix = 0 },
		GoalShift: func(cfg any) float64 { return cfg.(*trapConfig).Mix },
		// Spec validates without building an environment.
		Spec: func(cfg any, obs envs.ObsConfig) (envs.Spec, error) {
			return maze.SpecOf(*cfg.(*trapConfig).maze(), obs)
		},
	})
}

// The audit reads only the canonical audit distribution: auditing a run
// whose OOD variant cannot be built and whose training mix is not
// canonical, through the real command, must succeed without building
// either, and the validation must still find the OOD rates in the
// evaluation records.
func TestAuditNeverBuildsAnOODEnvironment(t *testing.T) {
	testtool.Integration(t, "trains ten tiny agents (shared with TestCircumventCommand)")
	// Trained only: the eval stage would (rightly) build the OOD variant.
	r := trainedPopulation(t)
	ctx := context.Background()
	writeFakeEval(t, r)
	trapArmed.Store(true)
	t.Cleanup(func() { trapArmed.Store(false) })

	// The trap works: building the OOD variant is seen.
	trapBuilt.Store(0)
	if _, err := r.Config.NewEnv("moved"); !errors.Is(err, errTrap) || trapBuilt.Load() != 1 {
		t.Fatalf("setup: building the OOD variant gave %v and %d traps", err, trapBuilt.Load())
	}
	trapBuilt.Store(0)
	trapMixBuilt.Store(0)
	var stdout, stderr bytes.Buffer
	if code := Main(ctx, []string{"audit", r.Dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("experiments audit exited %d: %s", code, stderr.String())
	}
	if n := trapBuilt.Load(); n != 0 {
		t.Fatalf("the audit built the OOD variant %d times", n)
	}
	if n := trapMixBuilt.Load(); n != 0 {
		t.Fatalf("the audit built the agents' own training mix %d times", n)
	}
	var res audit.Result
	b, err := os.ReadFile(filepath.Join(r.AuditDir(), audit.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Agents) != 10 || len(res.Statistics) != len(audit.Statistics()) {
		t.Fatalf("audit.json has %d agents and %d statistics", len(res.Agents), len(res.Statistics))
	}
	// The trap game is a maze: the audit drew its vector fields.
	for _, name := range []string{"vector_field_train.png", "vector_field_moved.png"} {
		if _, err := os.Stat(filepath.Join(r.AuditDir(), name)); err != nil {
			t.Errorf("vector field: %v", err)
		}
	}
	// A reference run keeps no evaluation records or job markers: the
	// population is re-validated from the measured targets and statistics
	// the audit wrote.
	if err := os.RemoveAll(filepath.Dir(r.Outcomes(0, "moved"))); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(r.Dir, ".done")); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := Main(ctx, []string{"audit", r.Dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("re-validating without evaluation records exited %d: %s", code, stderr.String())
	}
	// The same agents judged by a population's calibration (here their
	// own): predictions.json with every agent, still without building
	// the OOD variant.
	stdout.Reset()
	if code := Main(ctx, []string{"audit", "--population", filepath.Join(r.AuditDir(), audit.JSONFile), r.Dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("experiments audit --population exited %d: %s", code, stderr.String())
	}
	var pred audit.Predictions
	if b, err := os.ReadFile(r.PredictionsJSON()); err != nil || json.Unmarshal(b, &pred) != nil || len(pred.Agents) != 10 {
		t.Fatalf("predictions.json: %v, %d agents", err, len(pred.Agents))
	}
	if n := trapBuilt.Load(); n != 0 {
		t.Fatalf("the predictions built the OOD variant %d times", n)
	}
	for i, a := range res.Agents {
		if want := float64(i) / 10; a.Measured.Proxy.Rate != want || a.Measured.Proxy.Episodes != 10 {
			t.Errorf("agent %s: measured proxy %+v, want %v of 10 (from the records)", a.ID, a.Measured.Proxy, want)
		}
		if math.IsNaN(float64(a.Stats["bb_success"])) {
			t.Errorf("agent %s has no black-box success rate", a.ID)
		}
	}
}

// writeFakeEval writes evaluation records for every seed: on the OOD
// variant, seed s ends s of 10 episodes in the proxy outcome and pursues
// the goal in the others.
func writeFakeEval(t *testing.T, r *experiments.Run) {
	t.Helper()
	for _, seed := range r.Config.Experiment.Seeds {
		for _, v := range []string{schema.IDVariant, "moved"} {
			var recs []schema.EpisodeRecord
			for i := 0; i < 10; i++ {
				out, pursued, d := maze.OutcomeCheese, true, 0.0
				if v == "moved" && i < seed {
					out, pursued, d = maze.OutcomeCornerNoCheese, false, 3
				}
				recs = append(recs, schema.EpisodeRecord{Variant: v, Seed: seed, LevelSeed: uint64(i), Outcome: out, Length: 5,
					MinGoalDist: &d, MinProxyDist: &d, PursuedGoal: &pursued})
			}
			if err := schema.WriteRecords(r.Outcomes(seed, v), recs); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRunValidatesPopulation runs `experiments run` on the shared
// population (trained already; interp stubbed out): after each run's
// stages the population stage validates the audit into the run's
// audit/ and writes report.html once, with the verdict, and the command
// prints the verdict after the run's table.
func TestRunValidatesPopulation(t *testing.T) {
	testtool.Integration(t, "evaluates and audits ten tiny agents (shared with TestAuditNeverBuildsAnOODEnvironment)")
	r := trainedPopulation(t)
	stages := experiments.StandardStages()
	stages.Interp = func(context.Context, *experiments.Run) error { return nil }
	toml := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(r.Dir))), "trap.toml")
	out := filepath.Dir(filepath.Dir(r.Dir))
	code, stdout, stderr := runWith(t, stages, "run", toml, "--profile", "base", "--out", out)
	if code != 0 {
		t.Fatalf("experiments run exited %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "report: report.html after the population audit") {
		t.Errorf("the report stage did not defer report.html:\n%s", stderr)
	}
	res, err := readAuditResult(r.AuditJSON())
	if err != nil || len(res.Agents) != 10 {
		t.Fatalf("audit.json: %v", err)
	}
	want := r.Dir + "\n\n# "
	if !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "\n"+r.AuditDir()+"\n") || !strings.HasSuffix(stdout, res.Verdict.Goal+"\n") {
		t.Errorf("stdout: want the run, its table, the audit directory and the verdict:\n%s", stdout)
	}
	if _, err := os.Stat(r.Report()); err != nil {
		t.Errorf("report.html: %v", err)
	}
}

func readAuditResult(path string) (*audit.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res audit.Result
	return &res, json.Unmarshal(b, &res)
}
