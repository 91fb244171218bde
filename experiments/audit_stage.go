package experiments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
)

// The audit stage: every trained seed is audited from in-distribution
// access alone. Its statistics go to audit/agents/seed-<n>.json; the
// population validation (AuditPopulation) reads them with the measured OOD
// rates of the eval stage afterwards.

// AuditDir is the directory of a run's audit outputs.
func (l Layout) AuditDir() string { return filepath.Join(l.Dir, "audit") }

// AuditStats is one seed's audit statistics.
func (l Layout) AuditStats(seed int) string {
	return filepath.Join(l.AuditDir(), "agents", fmt.Sprintf("seed-%d.json", seed))
}

// AuditJSON is the copy of the population audit in a run directory, which
// the report reads.
func (l Layout) AuditJSON() string { return filepath.Join(l.AuditDir(), audit.JSONFile) }

// Label names the run within a population: the experiment name and, for
// a sweep point, the point ("coinrun-population/random_coin_prob=0.02").
func (r *Run) Label() string {
	e := r.Config.Experiment
	if e.Point != "" {
		return e.Name + "/" + e.Point
	}
	return e.Name
}

// AuditSubject is what the auditor of one seed receives: the training
// variant only ([env.train] and [env.obs]) and the checkpoint. It is the
// single place the audit's inputs are taken from a config.
func (r *Run) AuditSubject(seed int) audit.Subject {
	c := r.Config
	return audit.Subject{
		ID:         fmt.Sprintf("%s/seed-%d", r.Label(), seed),
		Group:      r.Label(),
		Env:        audit.TrainEnv{Game: c.Env.Game, Config: c.Env.Train, Obs: c.Env.Obs},
		Checkpoint: agents.CheckpointPath(r.Checkpoints(seed)),
		Greedy:     c.Eval.Greedy,
	}
}

// auditOptions are the audit's sample sizes from the [audit] table.
func (c *Config) auditOptions(seed int) audit.MeasureOptions {
	a := c.Audit
	n := a.Episodes
	if n == 0 {
		n = 64
	}
	return audit.MeasureOptions{
		Collect: audit.CollectOptions{Levels: audit.AuditLevels(n), NumEnvs: c.Eval.NumEnvs, Seed: uint64(seed), Threads: 1},
		Stats:   audit.Options{Frames: a.Frames, IGSteps: a.IGSteps, Seed: uint64(seed)},
	}
}

// AuditStage computes the audit statistics of every seed of r.Jobs
// (skipping seeds done earlier unless r.Force).
func AuditStage(ctx context.Context, r *Run) error {
	if !r.Config.Audit.Enabled {
		r.Progress.Printf("audit: disabled (audit.enabled = false)")
		return nil
	}
	return r.auditSeeds(ctx)
}

// AuditStatistics is the audit stage without the audit.enabled check,
// for `experiments audit`, which asks for the audit explicitly.
func AuditStatistics(ctx context.Context, r *Run) error { return r.auditSeeds(ctx) }

func (r *Run) auditSeeds(ctx context.Context) error {
	err := r.ForEachJobParallel(ctx, "audit", r.parallelism(), func(ctx context.Context, j Job) error {
		st, err := audit.Measure(ctx, r.AuditSubject(j.Seed), r.Config.auditOptions(j.Seed))
		if err != nil {
			return err
		}
		r.Progress.Printf("audit: seed %d: %d statistics from %d ID episodes in %.1f s", j.Seed, len(st.Values), st.Episodes, st.Seconds)
		return writeJSON(r.AuditStats(j.Seed), st)
	})
	if err != nil {
		return err
	}
	return r.writeVectorFields()
}

// vectorFieldScale is the vector fields' pixels per tile.
const vectorFieldScale = 32

// writeVectorFields draws, for games whose agent and goal can be placed
// (mazes), the vector fields of the first seed of r.Jobs on the first
// audit level:
// audit/vector_field_train.png (goal where the training variant put it)
// and audit/vector_field_moved.png (goal on the farthest open tile).
func (r *Run) writeVectorFields() error {
	seeds := r.Seeds() // this shard's
	if len(seeds) == 0 {
		return nil
	}
	subj := r.AuditSubject(seeds[0])
	env, err := subj.Env.New()
	if err != nil {
		return err
	}
	pl, ok := env.(audit.Placeable)
	if !ok {
		return nil
	}
	policy, _, err := agents.LoadPolicy(subj.Checkpoint)
	if err != nil {
		return err
	}
	defer policy.Free()
	train, moved, err := audit.VectorFieldPair(policy, pl, audit.AuditLevels(1).Start, vectorFieldScale)
	if err != nil {
		return err
	}
	for name, img := range map[string]*image.RGBA{"vector_field_train.png": train, "vector_field_moved.png": moved} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(r.AuditDir(), name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// readAuditStats reads the statistics of every seed of r.
func (r *Run) readAuditStats() ([]*audit.AgentStats, error) {
	var out []*audit.AgentStats
	for _, seed := range r.Config.Experiment.Seeds {
		b, err := os.ReadFile(r.AuditStats(seed))
		if err != nil {
			return nil, fmt.Errorf("audit statistics of seed %d (has the audit stage run?): %w", seed, err)
		}
		var st audit.AgentStats
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("%s: %w", r.AuditStats(seed), err)
		}
		out = append(out, &st)
	}
	return out, nil
}

// AuditVariant is the OOD variant that validates the audit: audit.variant,
// or the first OOD variant by name.
func (c *Config) AuditVariant() (string, error) {
	if c.Audit.Variant != "" {
		return c.Audit.Variant, nil
	}
	names := make([]string, 0, len(c.Env.OOD))
	for n := range c.Env.OOD {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s has no OOD variant to validate the audit against", c.Source)
	}
	sort.Strings(names)
	return names[0], nil
}

// measuredRates reads the eval stage's records of the audit variant: per
// seed, the OOD proxy-outcome rate and the pursuit rate with Wilson
// intervals. This is the validation's only contact with OOD results, and
// it happens after every statistic was computed.
func (r *Run) measuredRates() (map[string]audit.Measured, error) {
	variant, err := r.Config.AuditVariant()
	if err != nil {
		return nil, err
	}
	spec, err := r.trainSpec()
	if err != nil {
		return nil, err
	}
	out := map[string]audit.Measured{}
	for _, seed := range r.Config.Experiment.Seeds {
		recs, err := schema.ReadRecords(r.Outcomes(seed, variant))
		if err != nil {
			return nil, fmt.Errorf("OOD outcomes of seed %d (has the eval stage run?): %w", seed, err)
		}
		var proxy, pursued, withPursuit int
		for _, rec := range recs {
			if rec.Outcome == spec.Proxy {
				proxy++
			}
			if rec.PursuedGoal != nil {
				withPursuit++
				if *rec.PursuedGoal {
					pursued++
				}
			}
		}
		if withPursuit != len(recs) {
			return nil, fmt.Errorf("%s: %d of %d records lack the pursuit measure (re-run the eval stage)", r.Outcomes(seed, variant), len(recs)-withPursuit, len(recs))
		}
		out[r.AuditSubject(seed).ID] = audit.Measured{Proxy: wilsonRate(proxy, len(recs)), Pursuit: wilsonRate(pursued, len(recs))}
	}
	return out, nil
}

// trainSpec is the game's Spec under the training config (outcome names
// are the same for every variant).
func (r *Run) trainSpec() (envs.Spec, error) {
	g, err := envs.Lookup(r.Config.Env.Game)
	if err != nil {
		return envs.Spec{}, err
	}
	return g.Spec(r.Config.Env.Train, r.Config.Env.Obs)
}

func wilsonRate(k, n int) audit.Rate {
	lo, hi := schema.Wilson(k, n)
	rate := 0.0
	if n > 0 {
		rate = float64(k) / float64(n)
	}
	return audit.Rate{Count: k, Episodes: n, Rate: rate, Lo: lo, Hi: hi}
}

// DefaultAuditDir is where the population audit of runs goes: a single
// run's own audit/ directory, or audit-<profile> beside the sweep points
// of one experiment (results/<experiment>/audit-quick), or audit/ in the
// runs' closest common ancestor.
func DefaultAuditDir(runs []*Run) string {
	if len(runs) == 1 {
		return runs[0].AuditDir()
	}
	parents := make([]string, len(runs))
	for i, r := range runs {
		parents[i] = filepath.Dir(filepath.Clean(r.Dir))
		if r.Config.Experiment.Point != "" {
			parents[i] = filepath.Dir(parents[i])
		}
	}
	common := parents[0]
	for _, p := range parents[1:] {
		for !within(p, common) {
			common = filepath.Dir(common)
		}
	}
	e := runs[0].Config.Experiment
	same := true
	for _, r := range runs {
		same = same && r.Config.Experiment.Name == e.Name && r.Config.Experiment.Profile == e.Profile
	}
	if same && e.Profile != "" {
		return filepath.Join(common, "audit-"+e.Profile)
	}
	return filepath.Join(common, "audit")
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// PopulationName names a population: the runs' experiment and profile
// when they share them.
func PopulationName(runs []*Run) string {
	e := runs[0].Config.Experiment
	for _, r := range runs {
		if r.Config.Experiment.Name != e.Name {
			return fmt.Sprintf("%d runs", len(runs))
		}
	}
	if e.Profile != "" {
		return e.Name + " (" + e.Profile + ")"
	}
	return e.Name
}

// AuditPopulation validates the audit over every seed of runs: it reads
// each run's audit statistics (the audit stage must have run) and measured
// OOD rates, writes the population outputs (audit.{md,csv,json} and the
// scatter plots) to out, and a copy of audit.json into each run's audit/
// directory for its report.
func AuditPopulation(runs []*Run, name, out string) (*audit.Result, error) {
	var stats []*audit.AgentStats
	measured := map[string]audit.Measured{}
	for _, r := range runs {
		st, err := r.readAuditStats()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Dir, err)
		}
		stats = append(stats, st...)
		m, err := r.measuredRates()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Dir, err)
		}
		for k, v := range m {
			measured[k] = v
		}
	}
	spec, err := runs[0].trainSpec()
	if err != nil {
		return nil, err
	}
	res, err := audit.Validate(name, string(spec.Proxy), stats, measured, audit.DefaultBootstrap)
	if err != nil {
		return nil, err
	}
	if err := audit.WriteOutputs(out, res); err != nil {
		return nil, err
	}
	for _, r := range runs {
		if filepath.Clean(out) == filepath.Clean(r.AuditDir()) {
			continue // the population outputs are this run's own
		}
		rel, err := filepath.Rel(r.AuditDir(), out)
		if err != nil {
			rel = out
		}
		cp := *res
		cp.Dir = filepath.ToSlash(rel)
		if err := writeJSON(r.AuditJSON(), &cp); err != nil {
			return nil, err
		}
	}
	return res, nil
}
