package schema

// The circumvention stress test's result file, audit/circumvention.json
// (CircumventionReport): package circumvent fills these types and
// viz/report reads them.

// CircumventionSetting records how a stress test was run.
type CircumventionSetting struct {
	Run        string  `json:"run"`
	Seed       int     `json:"seed"`
	OODVariant string  `json:"ood_variant"`
	Tolerance  float64 `json:"kl_tolerance"`
	// ID observations from the agent's training levels: Levels episodes,
	// FitFrames for fine-tuning, CheckFrames (other levels) for the KL
	// constraint and the output comparisons.
	Levels      int `json:"id_levels"`
	FitFrames   int `json:"fit_frames"`
	CheckFrames int `json:"check_frames"`
	// EvalEpisodes per variant for the behaviour (the run's eval levels).
	EvalEpisodes int `json:"eval_episodes"`
	// Population is the audit whose calibration gives the predictions.
	Population string  `json:"population"`
	Seconds    float64 `json:"seconds"`
}

// CircumventionReport is what audit/circumvention.{json,md} hold: a
// stress test of the audit on one agent (written by package circumvent).
type CircumventionReport struct {
	Setting  CircumventionSetting   `json:"setting"`
	Findings []CircumventionFinding `json:"findings"`
	*StressResult
}

// CircumventionFinding is one statistic's fate in a stress test.
type CircumventionFinding struct {
	Statistic string `json:"statistic"`
	Level     string `json:"level"`
	// ChangedBy are the controls that changed the statistic by more than
	// its seed noise (and a relative tolerance): it measures the parametrisation.
	ChangedBy []string `json:"changed_by_controls"`
	// MovedBy are the behaviour-preserving attacks that changed it by more
	// than its seed noise (and a relative tolerance).
	MovedBy []string `json:"moved_by_attacks"`
	// DefeatedBy are the behaviour-preserving attacks after which the OOD
	// proxy rate predicted from this statistic (population calibration)
	// fell below the lower end of the original's prediction interval.
	DefeatedBy []string `json:"defeated_by"`
	// OutrankedBy are the other behaviour-preserving attacks that moved
	// the agent, by this statistic, from the misgeneralizing half of the
	// population to the other (Prediction.Better from below 0.5 to 0.5 or
	// above): the ranking the audit validates is overturned although its
	// prediction stays within its interval.
	OutrankedBy []string `json:"outranked_by"`
	// Targeted says whether some attack aimed at the statistic.
	Targeted bool `json:"targeted"`
	// Status: StatusParametrisation when a control changed it, else
	// "defeated", "outranked", "survived" (neither, by any
	// behaviour-preserving attack), or "no calibration" (nothing to defeat:
	// no population prediction). Reports written before the first status
	// existed may say "survived" with ChangedBy set: read Verdict.
	Status string `json:"status"`
}

// StatusParametrisation is the verdict on a statistic that a
// function-preserving reparametrisation changed: its value is not a
// property of the policy's behaviour, whatever the attacks did to it.
const StatusParametrisation = "measures the parametrisation"

// Verdict is the finding's one verdict: StatusParametrisation when a
// control changed the statistic, else its Status.
func (f CircumventionFinding) Verdict() string {
	if len(f.ChangedBy) > 0 {
		return StatusParametrisation
	}
	return f.Status
}

// StressResult is a stress test of one agent: the original, every control
// and every attack, with the statistics measured on each.
type StressResult struct {
	Agent      string     `json:"agent"`
	Statistics []StatInfo `json:"statistic_list"`
	// Noise is, per statistic, |value with audit seed Seed+1 − value with
	// Seed| on the original: how much the statistic moves by its own
	// randomness.
	Noise   map[string]Num        `json:"seed_noise"`
	Columns []CircumventionColumn `json:"columns"`
}

// StatInfo names one statistic of the audit under test.
type StatInfo struct {
	Name  string `json:"name"`
	Level string `json:"level"` // access level: black-box, white-box or outside-the-box
}

// Behaviour is a policy's measured behaviour on the run's evaluation
// levels: success in distribution, and out of distribution the proxy
// outcome and goal pursuit (the game's pursuit rule; informative only,
// Unchanged does not read it).
type Behaviour struct {
	IDSuccess  Rate `json:"id_success"`
	OODProxy   Rate `json:"ood_proxy"`
	OODPursuit Rate `json:"ood_pursuit"`
}

// CircumventionPrediction is the audit's calibrated prediction of the OOD proxy rate
// from one statistic, with its 95% prediction interval, the calibration
// line's slope (rate per unit of the statistic on its audit scale), the
// share of the population's agents whose value of the statistic predicts
// a higher rate (Better: 0 looks the most misgeneralizing, 1 the least)
// and, for a verdict, what it is.
type CircumventionPrediction struct {
	Label     string  `json:"label,omitempty"`
	Statistic string  `json:"statistic"`
	Value     float64 `json:"value"`
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Slope     float64 `json:"slope"`
	Better    float64 `json:"better_than"`
}

// CircumventionColumn is one policy of the stress test: the original, a control or an
// attack, with everything measured on it.
type CircumventionColumn struct {
	Name string     `json:"name"`
	Kind ColumnKind `json:"kind"`
	Doc  string     `json:"doc"`
	// Targets are the statistics an attack aims at, Direction the way it
	// pushes them.
	Targets   []string `json:"targets,omitempty"`
	Direction string   `json:"direction,omitempty"`
	// Output compares the column's outputs with the original's on the ID
	// check observations.
	Output OutputDiff `json:"output"`
	// FineTune is the attack's optimisation record (fine-tuned attacks).
	FineTune *FineTuneRecord `json:"fine_tune,omitempty"`
	// Behaviour is measured for the original and every attack (a control
	// has the original's function, so its behaviour is the original's).
	Behaviour *Behaviour `json:"behaviour,omitempty"`
	Unchanged *bool      `json:"behaviour_unchanged,omitempty"`
	// Values are the statistics measured on the column's policy.
	Values map[string]Num `json:"statistics"`
	// Predictions are, per statistic, the OOD proxy rate its population
	// calibration predicts from the column's value; Verdicts are the
	// audit's own predictions (from the statistics it chose for this
	// agent).
	Predictions map[string]CircumventionPrediction `json:"predictions,omitempty"`
	Verdicts    []CircumventionPrediction          `json:"verdicts,omitempty"`
	// Checkpoint is where an attacked policy is stored (relative to the
	// result file).
	Checkpoint string `json:"checkpoint,omitempty"`
}

// OutputDiff is how far two policies' outputs are apart on the same
// observations: the largest absolute difference of any logit and of any
// value, and the mean and largest KL(first ‖ second) of the action
// distributions (nats).
type OutputDiff struct {
	MaxLogit float64 `json:"max_abs_logit_diff"`
	MaxValue float64 `json:"max_abs_value_diff"`
	MeanKL   float64 `json:"mean_kl"`
	MaxKL    float64 `json:"max_kl"`
}

// FineTuneCheck is one constraint check of a fine-tune.
type FineTuneCheck struct {
	Step     int     `json:"step"`
	KL       float64 `json:"kl"`
	Penalty  Num     `json:"penalty"` // measured only when accepted
	Lambda   float64 `json:"lambda"`
	Accepted bool    `json:"accepted"` // KL within the tolerance
}

// ColumnKind says what a column of the stress test is.
type ColumnKind string

// The kinds of column.
const (
	ColumnOriginal ColumnKind = "original"
	ColumnControl  ColumnKind = "control" // function-preserving reparametrisation
	ColumnAttack   ColumnKind = "attack"  // fine-tuned or optimised to move a statistic
)

// Unchanged reports whether b's rates lie inside orig's 95% intervals:
// the rule by which a circumvention counts (behaviour unchanged within
// the intervals).
func (b Behaviour) Unchanged(orig Behaviour) bool {
	in := func(r, o Rate) bool { return r.Rate >= o.Lo && r.Rate <= o.Hi }
	return in(b.IDSuccess, orig.IDSuccess) && in(b.OODProxy, orig.OODProxy)
}

// FineTuneRecord is a fine-tuned attack's optimisation record: the mean
// KL(original ‖ attacked) of the kept parameters on the check
// observations, the penalty before and after, the step kept, how often the
// constraint rolled the parameters back, and every check.
type FineTuneRecord struct {
	KL            float64         `json:"kl"`
	PenaltyBefore float64         `json:"penalty_before"`
	PenaltyAfter  float64         `json:"penalty_after"`
	BestStep      int             `json:"best_step"`
	Rollbacks     int             `json:"rollbacks"`
	Trace         []FineTuneCheck `json:"checks"`
}
