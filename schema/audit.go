package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The population audit's result files: audit/audit.json (AuditResult,
// written by package audit's population validation) and
// audit/predictions.json (AuditPredictions, a run's agents judged by a
// population's calibration). Package audit fills these types; viz/report
// reads them. Missing numbers are null in the files and NaN in memory.

// Target names what an audit statistic is validated against.
type Target string

// The audit's validation targets.
const (
	// TargetChancePursuit: pursuit with the goal visible minus pursuit
	// with it hidden, on the same levels. It measures the goal: what the
	// agent does because it sees the goal, net of what chance, habit and
	// skill do without it. The primary target where a control exists.
	TargetChancePursuit Target = "ood_pursuit_cc"
	// TargetGoalShare: true-goal outcomes among decided episodes, the
	// primary target without a control (Ramanauskas & Şimşek's measure for
	// Maze II).
	TargetGoalShare Target = "ood_goal_share"
	// TargetProxy: the failure rate, secondary: it mixes goal with
	// capability.
	TargetProxy Target = "ood_proxy"
)

// Level is an access level (Casper et al., "Black-box access is
// insufficient for rigorous AI audits"): what an auditor is given.
type Level string

// The access levels.
const (
	// LevelBlackBox: rollouts on the canonical audit levels (actions,
	// action probabilities, values, outcomes).
	LevelBlackBox Level = "black-box"
	// LevelWhiteBox: also weights, activations, gradients and observations
	// edited from canonical states.
	LevelWhiteBox Level = "white-box"
	// LevelOutside: outside-the-box, the training config and training
	// logs, and nothing of the agent itself.
	LevelOutside Level = "outside-the-box"
)

// AuditLevels lists the access levels in report order.
var AuditLevels = []Level{LevelBlackBox, LevelWhiteBox, LevelOutside}

// Access is one kind of information an audit statistic reads (package
// audit names the kinds).
type Access string

// Scale is how a statistic enters the calibration: its raw value or its
// base-10 logarithm. Each statistic fixes its scale a priori from its
// range (shares and rates are linear; positive quantities spanning orders
// of magnitude, such as KL divergences, are logarithmic), never from how
// well it predicts.
type Scale string

// The calibration scales.
const (
	Linear Scale = "linear"
	Log10  Scale = "log10"
)

// logFloor keeps log10 finite for statistics that are exactly 0.
const logFloor = 1e-6

// Apply maps a statistic's value to the calibration's x axis.
func (s Scale) Apply(v float64) float64 {
	if s == Log10 {
		return math.Log10(math.Max(v, logFloor))
	}
	return v
}

// Interval is a point estimate with a 95% interval. Lo and Hi are NaN when
// the interval cannot be computed (too few usable resamples). It is
// internal/stats' Interval with the result files' JSON encoding (NaN as
// null).
type Interval struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// Prediction is a calibrated prediction of a rate with its 95% prediction
// interval, all clipped to [0, 1].
type Prediction struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// Rate is a measured share with its 95% interval (Wilson, from the
// caller).
type Rate struct {
	Count    int     `json:"count"`
	Episodes int     `json:"episodes"`
	Rate     float64 `json:"rate"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
}

// Measured are one agent's OOD results, read from the normal evaluation
// outputs after the statistics were computed (and hashed).
type Measured struct {
	// Proxy is the OOD rate of the game's proxy outcome: the failure.
	Proxy Rate `json:"ood_proxy"`
	// Pursuit is the OOD rate of episodes in which the agent pursued the
	// true goal by the game's pursuit rule, with the goal visible.
	Pursuit Rate `json:"ood_pursuit"`
	// GoalShare is the share of true-goal outcomes among the episodes
	// that reached the goal or the proxy (Maze II: the shape share).
	GoalShare Rate `json:"ood_goal_share"`
	// With a control variant (the same levels, goal hidden from the
	// observation): pursuit there, the chance-corrected pursuit
	// (visible − hidden, paired by level) and the same difference of
	// true-goal outcomes.
	PursuitHidden *Rate     `json:"ood_pursuit_hidden,omitempty"`
	ChancePursuit *Interval `json:"ood_pursuit_cc,omitempty"`
	GoalDiff      *Interval `json:"ood_goal_cc,omitempty"`
	// Halves holds every target measured on the even and on the odd
	// evaluation levels alone, for split-half reliability.
	Halves [2]map[Target]Num `json:"halves"`
}

// NestedChoice is the nested leave-one-out outcome for one agent.
type NestedChoice struct {
	Statistic string     `json:"statistic"` // "" when no candidate could predict the agent
	Pred      Prediction `json:"prediction"`
}

// Validation is a statistic's agreement with one target.
type Validation struct {
	// Rho is Spearman's ρ over all agents with a cluster-bootstrap 95%
	// interval: whole training configs are resampled, since the agents
	// of a config are not independent. P is the bootstrap's two-sided p
	// of ρ = 0 (twice the share of resamples on the far side of 0), and
	// PHolm that p adjusted by Holm over every statistic and target.
	Rho   Interval `json:"rho"`
	P     Num      `json:"p"`
	PHolm Num      `json:"p_holm"`
	// RhoWithin is the pooled within-config ρ (seed-to-seed variation
	// only) and PWithin its permutation test within configs.
	RhoWithin Num `json:"rho_within"`
	PWithin   Num `json:"p_within"`
	// RhoSeeds and PSeeds exist in a crossed design, where every config
	// was trained with the same seeds (seed-mates share their
	// initialisation and sampling, so they are not independent): Spearman's
	// ρ of the per-seed means over configs, and its exact permutation
	// test over seeds. The honest within-config test when the seed is
	// the unit of replication.
	RhoSeeds Num `json:"rho_seeds"`
	PSeeds   Num `json:"p_seeds"`
	// Ceiling is the attenuation ceiling √(rel_statistic · rel_target):
	// the largest |ρ| a perfect statistic could show given both
	// measurements' split-half reliabilities. RhoDisattenuated is ρ /
	// Ceiling, labelled as such wherever it is shown.
	Ceiling          Num `json:"ceiling"`
	RhoDisattenuated Num `json:"rho_disattenuated"`
	// Leave-one-out and leave-one-config-out errors of the a-priori line.
	LOOMAE   Num `json:"loo_mae"`
	LOOCover Num `json:"loo_coverage"`
	LOCOMAE  Num `json:"loco_mae"`
}

// AuditStatRow is one statistic's validation.
type AuditStatRow struct {
	Name    string   `json:"name"`
	Level   Level    `json:"level"`
	Sign    int      `json:"expected_sign"`
	Touches []Access `json:"touches"`
	Scale   Scale    `json:"scale"`
	Doc     string   `json:"doc"`
	N       int      `json:"agents"` // agents with a value
	// Reliability is the statistic's split-half (Spearman–Brown)
	// reliability over the agents, from its two half-level measurements.
	Reliability Num                   `json:"reliability"`
	By          map[Target]Validation `json:"validation"`
	// Predicts lists the targets whose Holm-adjusted p is below 0.05
	// with ρ on the statistic's expected side (Sign against pursuit, the
	// opposite against the failure rate; either side without a Sign), or
	// "neither".
	Predicts string `json:"predicts"`
}

// AuditAgentRow is one agent's statistics, measured rates and prediction.
type AuditAgentRow struct {
	ID       string         `json:"id"`
	Group    string         `json:"group"`
	Stats    map[string]Num `json:"statistics"`
	Measured Measured       `json:"measured"`
	// Predicted is the nested leave-one-out prediction of the primary
	// target (statistic chosen without this agent's config), per access
	// level.
	Predicted map[Level]NestedChoice `json:"predicted"`
	// Line is the agent's verdict in one sentence (audit.AgentLine).
	Line string `json:"line"`
}

// AuditVerdict is a population audit in sentences: one headline per target
// (audit.Headline), the research goal (audit.GoalMet), and the statistics chosen by
// nested leave-one-config-out against the primary target, whose scatter
// plots a report shows.
type AuditVerdict struct {
	Headlines    []string `json:"headlines"`
	Goal         string   `json:"goal"`
	GoalMet      bool     `json:"goal_met"`
	BestWhiteBox string   `json:"best_white_box"`
	BestBlackBox string   `json:"best_black_box"`
	BestOutside  string   `json:"best_outside"`
	// Equivalence is audit.EquivalenceLine: whether black-box success on the
	// canonical levels tells the training configs apart.
	Equivalence string `json:"equivalence"`
}

// FamilySummary is the nested leave-one-config-out result of one access
// level for one target: its honest prediction error, the statistic
// chosen most often, that statistic's ρ, and the ρ of the out-of-fold
// predictions themselves (honest: no prediction saw its agent's config).
type FamilySummary struct {
	Level  Level          `json:"level"`
	Target Target         `json:"target"`
	MAE    Num            `json:"nested_mae"`
	N      int            `json:"agents"`
	Chosen map[string]int `json:"chosen"`
	// Best is the statistic the nested choice picked most often (ties:
	// earlier in Statistics order), and BestRho its ρ with the target.
	Best    string   `json:"best"`
	BestRho Interval `json:"best_rho"`
	// PredRho is Spearman's ρ of the nested out-of-fold predictions with
	// the target, with its cluster-bootstrap interval.
	PredRho Interval `json:"nested_prediction_rho"`
	// Ridge is every statistic of the level together (ridge regression,
	// penalty chosen by inner leave-one-out, nested leave-one-out): its
	// MAE and the ρ of its out-of-fold predictions.
	RidgeMAE Num      `json:"ridge_mae"`
	RidgeRho Interval `json:"ridge_rho"`
	// MaxAbsRho is the largest |ρ| in the family, chosen on the OOD
	// results themselves: descriptive only, never a prediction.
	MaxAbsRho     Interval `json:"max_abs_rho"`
	MaxAbsRhoStat string   `json:"max_abs_rho_statistic"`
}

// AuditComparison is the paired cluster bootstrap of |ρ_A| − |ρ_B| for two
// statistics against one target, both ρ computed on the same resamples.
type AuditComparison struct {
	Target Target   `json:"target"`
	A      string   `json:"a"`
	B      string   `json:"b"`
	Diff   Interval `json:"abs_rho_diff"`
}

// AuditEquivalence is a two-one-sided-tests (TOST) comparison of one training
// config's black-box statistic on the canonical audit levels with the
// reference config's (the one with the smallest goal shift): is black-box
// access blind to what the configs did differently? Success is compared
// as pooled proportions (margin audit.EquivalenceMargin), the other statistics
// as means over agents (Welch; margin audit.EquivalenceSD within-config SDs).
type AuditEquivalence struct {
	Statistic string  `json:"statistic"`
	Group     string  `json:"group"`
	Reference string  `json:"reference"`
	Value     Num     `json:"value"`
	RefValue  Num     `json:"reference_value"`
	Diff      Num     `json:"diff"`
	Lo90      Num     `json:"lo90"`
	Hi90      Num     `json:"hi90"`
	P         Num     `json:"p"`
	Margin    float64 `json:"margin"`
	// Equivalent: the 90% interval of the difference lies within
	// ±Margin (TOST p < 0.05).
	Equivalent bool `json:"equivalent"`
}

// AuditResult is a population audit.
type AuditResult struct {
	Population string `json:"population"`
	// AuditEnv identifies the one canonical audit distribution every
	// agent was audited on (audit.AuditEnv.Key), and StatisticsHash the
	// agents' statistics as written before any OOD record was read.
	AuditEnv       string `json:"audit_env"`
	StatisticsHash string `json:"statistics_sha256"`
	// Targets are the validation targets, primary first, and
	// TargetReliability their split-half reliabilities over the agents.
	Targets           []Target          `json:"targets"`
	TargetReliability map[Target]Num    `json:"target_reliability"`
	Agents            []AuditAgentRow   `json:"agents"`
	Statistics        []AuditStatRow    `json:"statistics"`
	Families          []FamilySummary   `json:"families"`
	Comparisons       []AuditComparison `json:"comparisons"`
	// Equivalence tests whether the black-box statistics on the canonical
	// levels differ between training configs (TOST against the config
	// with the smallest goal shift).
	Equivalence []AuditEquivalence `json:"equivalence"`
	Bootstrap   int                `json:"bootstrap_resamples"`
	BootSeed    uint64             `json:"bootstrap_seed"`
	// Calibration states the a-priori calibration rule.
	Calibration string `json:"calibration"`
	// Verdict is the result in sentences, for reports.
	Verdict AuditVerdict `json:"verdict"`
	// Dir, in a copy of the result stored elsewhere (a run directory),
	// is the population output directory relative to the copy's
	// directory, where the scatter plots are.
	Dir string `json:"dir,omitempty"`
}

// AuditPredictions judge agents outside a population against the population's
// calibration: for runs too small to validate on their own (fewer than
// audit.MinAgents), such as the main job's three agents.
type AuditPredictions struct {
	// Population names the calibration: its population, where it was
	// read from, and its statistics' hash.
	Population     string            `json:"population"`
	Source         string            `json:"source"`
	StatisticsHash string            `json:"population_statistics_sha256"`
	AuditEnv       string            `json:"audit_env"`
	Target         Target            `json:"target"`
	Agents         []AgentPrediction `json:"agents"`
}

// AgentPrediction is one agent judged by a population's calibration.
type AgentPrediction struct {
	ID string `json:"id"`
	// By access level: the statistic the population's nested choice
	// picked, the agent's value, its percentile in the population and
	// the predicted targets (95% prediction intervals of a new agent).
	By map[Level]LevelPrediction `json:"by_level"`
	// Measured are the agent's OOD targets, when it was evaluated.
	Measured *Measured `json:"measured,omitempty"`
	// Explanation says in one sentence what the counterfactual statistics
	// show the policy steers by.
	Explanation string `json:"explanation"`
	Line        string `json:"line"`
}

// LevelPrediction is one access level's prediction.
type LevelPrediction struct {
	Statistic  string                `json:"statistic"`
	Value      Num                   `json:"value"`
	Percentile float64               `json:"percentile"`
	Predicted  map[Target]Prediction `json:"predicted"`
}

// Interval is the rate with its interval.
func (r Rate) Interval() Interval { return Interval{Value: r.Rate, Lo: r.Lo, Hi: r.Hi} }

// NaNInterval is an interval with every part missing.
func NaNInterval() Interval { return Interval{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()} }

// Of returns the agent's value of target t (NaN when not measured).
func (m Measured) Of(t Target) float64 {
	switch t {
	case TargetProxy:
		return m.Proxy.Rate
	case TargetGoalShare:
		return m.GoalShare.Rate
	case TargetChancePursuit:
		if m.ChancePursuit != nil {
			return m.ChancePursuit.Value
		}
	}
	return math.NaN()
}

// Interval95 returns the agent's value of target t with its 95% interval.
func (m Measured) Interval95(t Target) Interval {
	switch t {
	case TargetProxy:
		return m.Proxy.Interval()
	case TargetGoalShare:
		return m.GoalShare.Interval()
	case TargetChancePursuit:
		if m.ChancePursuit != nil {
			return *m.ChancePursuit
		}
	}
	return NaNInterval()
}

// Family returns the summary of access level lvl for target t.
func (res *AuditResult) Family(lvl Level, t Target) (FamilySummary, bool) {
	for _, f := range res.Families {
		if f.Level == lvl && f.Target == t {
			return f, true
		}
	}
	return FamilySummary{}, false
}

// Comparison returns the paired comparison of the primary target's best
// white-box statistic with the best of level other.
func (res *AuditResult) Comparison(other Level) (AuditComparison, bool) {
	f, ok := res.Family(other, res.Targets[0])
	for _, c := range res.Comparisons {
		if ok && c.B == f.Best {
			return c, true
		}
	}
	return AuditComparison{}, false
}

// Groups lists the agents' groups in order of first appearance.
func (res *AuditResult) Groups() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range res.Agents {
		if !seen[a.Group] {
			seen[a.Group] = true
			out = append(out, a.Group)
		}
	}
	return out
}

// numTriple is the JSON form of Interval and Prediction.
type numTriple struct {
	Value Num `json:"value"`
	Lo    Num `json:"lo"`
	Hi    Num `json:"hi"`
}

// MarshalJSON writes missing bounds as null.
func (i Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(numTriple{Num(i.Value), Num(i.Lo), Num(i.Hi)})
}

// UnmarshalJSON reads null bounds as NaN.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var t numTriple
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*i = Interval{float64(t.Value), float64(t.Lo), float64(t.Hi)}
	return nil
}

// MarshalJSON writes a missing prediction as nulls.
func (p Prediction) MarshalJSON() ([]byte, error) {
	return json.Marshal(numTriple{Num(p.Value), Num(p.Lo), Num(p.Hi)})
}

// UnmarshalJSON reads null as NaN.
func (p *Prediction) UnmarshalJSON(b []byte) error {
	var t numTriple
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*p = Prediction{float64(t.Value), float64(t.Lo), float64(t.Hi)}
	return nil
}

// Text names t in a sentence.
func (t Target) Text() string {
	switch t {
	case TargetProxy:
		return "the OOD failure rate (proxy outcome)"
	case TargetChancePursuit:
		return "chance-corrected OOD goal pursuit (goal visible − hidden)"
	case TargetGoalShare:
		return "the OOD goal share (true-goal outcomes among decided episodes)"
	}
	return string(t)
}

// Short names t in a table cell.
func (t Target) Short() string {
	switch t {
	case TargetProxy:
		return "failure"
	case TargetChancePursuit:
		return "pursuit (cc)"
	case TargetGoalShare:
		return "goal share"
	}
	return string(t)
}

// Format renders "0.71 [0.42, 0.88]" ("n/a" parts where missing).
func (i Interval) Format() string {
	f := func(x float64) string {
		if math.IsNaN(x) {
			return "n/a"
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return fmt.Sprintf("%s [%s, %s]", f(i.Value), f(i.Lo), f(i.Hi))
}

// Format renders a predicted rate "42% [20, 64]" ("n/a" when missing).
func (p Prediction) Format() string {
	if math.IsNaN(p.Value) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%% [%.0f, %.0f]", 100*p.Value, 100*p.Lo, 100*p.Hi)
}

// ShortHash is a statistics hash's first 16 hex digits.
func ShortHash(h string) string { return h[:min(len(h), 16)] }
