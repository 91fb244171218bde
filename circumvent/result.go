package circumvent

import (
	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/schema"
)

// Behaviour is a policy's measured behaviour on the run's evaluation
// levels: success in distribution, and out of distribution the proxy
// outcome and goal pursuit (the game's pursuit rule; informative only,
// Unchanged does not read it).
type Behaviour struct {
	IDSuccess  audit.Rate `json:"id_success"`
	OODProxy   audit.Rate `json:"ood_proxy"`
	OODPursuit audit.Rate `json:"ood_pursuit"`
}

// Unchanged reports whether b's rates lie inside orig's 95% intervals:
// the rule by which a circumvention counts (behaviour unchanged within
// the intervals).
func (b Behaviour) Unchanged(orig Behaviour) bool {
	in := func(r, o audit.Rate) bool { return r.Rate >= o.Lo && r.Rate <= o.Hi }
	return in(b.IDSuccess, orig.IDSuccess) && in(b.OODProxy, orig.OODProxy)
}

// Prediction is the audit's calibrated prediction of the OOD proxy rate
// from one statistic, with its 95% prediction interval, the calibration
// line's slope (rate per unit of the statistic on its audit scale), the
// share of the population's agents whose value of the statistic predicts
// a higher rate (Better: 0 looks the most misgeneralizing, 1 the least)
// and, for a verdict, what it is.
type Prediction struct {
	Label     string  `json:"label,omitempty"`
	Statistic string  `json:"statistic"`
	Value     float64 `json:"value"`
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Slope     float64 `json:"slope"`
	Better    float64 `json:"better_than"`
}

// Kind says what a column of the stress test is.
type Kind string

const (
	Original Kind = "original"
	Passive  Kind = "control" // function-preserving reparametrisation
	Active   Kind = "attack"  // fine-tuned or optimised to move a statistic
)

// Column is one policy of the stress test: the original, a control or an
// attack, with everything measured on it.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	Doc  string `json:"doc"`
	// Targets are the statistics an attack aims at, Direction the way it
	// pushes them.
	Targets   []string `json:"targets,omitempty"`
	Direction string   `json:"direction,omitempty"`
	// Output compares the column's outputs with the original's on the ID
	// check observations.
	Output Diff `json:"output"`
	// FineTune is the attack's optimisation record (fine-tuned attacks).
	FineTune *FineTuneResult `json:"fine_tune,omitempty"`
	// Behaviour is measured for the original and every attack (a control
	// has the original's function, so its behaviour is the original's).
	Behaviour *Behaviour `json:"behaviour,omitempty"`
	Unchanged *bool      `json:"behaviour_unchanged,omitempty"`
	// Values are the statistics measured on the column's policy.
	Values map[string]schema.Num `json:"statistics"`
	// Predictions are, per statistic, the OOD proxy rate its population
	// calibration predicts from the column's value; Verdicts are the
	// audit's own predictions (from the statistics it chose for this
	// agent).
	Predictions map[string]Prediction `json:"predictions,omitempty"`
	Verdicts    []Prediction          `json:"verdicts,omitempty"`
	// Checkpoint is where an attacked policy is stored (relative to the
	// result file).
	Checkpoint string `json:"checkpoint,omitempty"`
}
