// Package study is the interpretability study of one trained policy, which
// the experiments pipeline's interp stage runs: it rolls the policy out on
// held-out levels, captures its activations with the environment's
// ground truth, runs the white-box analyses of package interp on them and
// writes a run's interp/ directory (summary.json, markdown tables, figures,
// activation stores).
//
// The statistics follow one rule: whatever is chosen from data — SAEs,
// features, the goal vector, probe directions — is chosen on the selection
// levels, and every causal test of it runs on the disjoint test levels, as
// a paired comparison (the same levels and action randomness with and
// without the edit) with Holm-adjusted p-values.
package study

import (
	"fmt"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/interp"
)

// Variant is one evaluation variant of the game.
type Variant struct {
	Name   string // schema.IDVariant for in-distribution, else the OOD variant's name
	Config any    // game config (nil: the game's default, training variant)
	OOD    bool
}

// Options configure Run. Zero values get the defaults noted.
type Options struct {
	Checkpoint string // policy checkpoint (agents.LoadPolicy)
	OutDir     string // outputs go to OutDir/*.json|md|png, activations to OutDir/acts/
	Game       string
	Obs        envs.ObsConfig
	// Variants lists the in-distribution variant first, then the OOD ones.
	Variants []Variant
	// Selection and Test are disjoint held-out level ranges: analyses
	// choose on Selection and test on Test.
	Selection, Test envs.LevelSeeds
	// Layers to analyse (default: the policy's last hook point). A conv
	// layer's SAEs read it per spatial position.
	Layers []string
	// Samples caps the captured rows per variant (default 20000).
	Samples int
	SAE     interp.SAESettings
	// MDLTolerance is the downstream KL in nats that MDL may spend
	// (default 0.05).
	MDLTolerance float64
	Bilinear     bool
	Polytope     bool
	// Interventions runs the paired tests on the test levels of the first
	// OOD variant.
	Interventions bool
	// SteerScales are the multiples of the goal vector (and of the probe
	// direction's standard deviation) added in the steering tests (default
	// −2, −1, −½, ½, 1, 2).
	SteerScales []float64
	// RetargetScales are the multiples of the goal channel's paired rise
	// added at the target tile in the retargeting tests (default 1, 4,
	// 16, 64).
	RetargetScales []float64
	// Shifts is the size of the permutation null (default 200); Bootstrap
	// the number of paired-bootstrap resamples (default 2000).
	Shifts, Bootstrap int
	Seed              uint64
	NumEnvs           int
	Log               func(format string, args ...any)
}

func (o *Options) defaults() error {
	if o.Samples <= 0 {
		o.Samples = 20000
	}
	if o.MDLTolerance <= 0 {
		o.MDLTolerance = 0.05
	}
	if len(o.SteerScales) == 0 {
		o.SteerScales = []float64{-2, -1, -0.5, 0.5, 1, 2}
	}
	if len(o.RetargetScales) == 0 {
		o.RetargetScales = []float64{1, 4, 16, 64}
	}
	if o.Shifts <= 0 {
		o.Shifts = 200
	}
	if o.Bootstrap <= 0 {
		o.Bootstrap = 2000
	}
	if o.SAE.Kind == "" {
		o.SAE = interp.DefaultSAESettings()
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if len(o.Variants) == 0 || o.Variants[0].OOD {
		return fmt.Errorf("interp stage: want the in-distribution variant first, got %d variants", len(o.Variants))
	}
	if o.Selection.Count == 0 || o.Test.Count == 0 {
		return fmt.Errorf("interp stage: empty selection (%d) or test (%d) levels", o.Selection.Count, o.Test.Count)
	}
	if overlap(o.Selection, o.Test) {
		return fmt.Errorf("interp stage: selection levels %s and test levels %s overlap: features would be tested on the levels they were chosen on", o.Selection, o.Test)
	}
	return o.SAE.Validate()
}

// overlap reports whether two level ranges share a level.
func overlap(a, b envs.LevelSeeds) bool {
	return a.Start < b.Start+b.Count && b.Start < a.Start+a.Count
}

// firstOOD is the variant the interventions run on, or nil.
func (o *Options) firstOOD() *Variant {
	for i := range o.Variants {
		if o.Variants[i].OOD {
			return &o.Variants[i]
		}
	}
	return nil
}
