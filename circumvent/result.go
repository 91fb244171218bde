package circumvent

import (
	"encoding/json"
	"math"
)

// Num is a float64 that is written as null in JSON when it is NaN or
// infinite (a statistic undefined for a policy).
type Num float64

func (n Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Rate is a measured share with its Wilson 95% interval.
type Rate struct {
	Count    int     `json:"count"`
	Episodes int     `json:"episodes"`
	Rate     float64 `json:"rate"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
}

// Behaviour is a policy's measured behaviour on the run's evaluation
// levels: success in distribution and the proxy outcome out of
// distribution.
type Behaviour struct {
	IDSuccess Rate `json:"id_success"`
	OODProxy  Rate `json:"ood_proxy"`
}

// Unchanged reports whether b's rates lie inside orig's 95% intervals:
// the rule by which a circumvention counts (behaviour unchanged within
// the intervals).
func (b Behaviour) Unchanged(orig Behaviour) bool {
	in := func(r, o Rate) bool { return r.Rate >= o.Lo && r.Rate <= o.Hi }
	return in(b.IDSuccess, orig.IDSuccess) && in(b.OODProxy, orig.OODProxy)
}

// Prediction is the audit's calibrated prediction of the OOD proxy rate
// with its 95% prediction interval.
type Prediction struct {
	Statistic string  `json:"statistic"`
	Value     float64 `json:"value"`
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
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
	Values map[string]Num `json:"statistics"`
	// Predictions are, per statistic, the OOD proxy rate its population
	// calibration predicts from the column's value; Verdict is the
	// audit's own prediction (the statistic it chose for this agent).
	Predictions map[string]Prediction `json:"predictions,omitempty"`
	Verdict     *Prediction           `json:"verdict,omitempty"`
	// Checkpoint is where an attacked policy is stored (relative to the
	// result file).
	Checkpoint string `json:"checkpoint,omitempty"`
}
