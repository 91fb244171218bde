package audit

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/schema"
)

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
// outputs after the statistics were computed.
type Measured struct {
	// Proxy is the OOD rate of the game's proxy outcome: the failure.
	Proxy Rate `json:"ood_proxy"`
	// Pursuit is the OOD rate of episodes in which the agent pursued the
	// true goal (approached it before the proxy), whether or not it got it.
	Pursuit Rate `json:"ood_pursuit"`
}

// Target names what a statistic is validated against.
type Target string

const (
	TargetProxy   Target = "ood_proxy"
	TargetPursuit Target = "ood_pursuit"
)

// Targets lists the validation targets in report order.
var Targets = []Target{TargetPursuit, TargetProxy}

func (m Measured) of(t Target) float64 {
	if t == TargetProxy {
		return m.Proxy.Rate
	}
	return m.Pursuit.Rate
}

// Validation is a statistic's agreement with one target.
type Validation struct {
	Rho       Interval   `json:"rho"`        // Spearman ρ over all agents, bootstrap 95% interval
	RhoWithin Interval   `json:"rho_within"` // within-group ρ, bootstrap within groups
	LOOMAE    schema.Num `json:"loo_mae"`    // leave-one-out mean absolute error of the calibrated prediction
	LOOCover  schema.Num `json:"loo_coverage"`
}

// StatRow is one statistic's validation.
type StatRow struct {
	Name     string                `json:"name"`
	WhiteBox bool                  `json:"white_box"`
	Touches  []Access              `json:"touches"`
	Scale    Scale                 `json:"scale"`
	Doc      string                `json:"doc"`
	N        int                   `json:"agents"` // agents with a value
	By       map[Target]Validation `json:"validation"`
	// Predicts says which target(s) the statistic's Spearman interval
	// excludes 0 for: "pursuit", "failure", "both" or "neither".
	Predicts string `json:"predicts"`
}

// AgentRow is one agent's statistics, measured rates and prediction.
type AgentRow struct {
	ID       string                `json:"id"`
	Group    string                `json:"group"`
	Stats    map[string]schema.Num `json:"statistics"`
	Measured Measured              `json:"measured"`
	// Predicted is the nested leave-one-out prediction of the OOD proxy
	// rate (Statistic chosen without this agent's result); PredictedWB
	// and PredictedBB restrict the choice to white-box or black-box
	// statistics.
	Predicted   NestedChoice `json:"predicted_ood_proxy"`
	PredictedWB NestedChoice `json:"predicted_ood_proxy_white_box"`
	PredictedBB NestedChoice `json:"predicted_ood_proxy_black_box"`
	// Line is the agent's verdict in one sentence (AgentLine).
	Line string `json:"line"`
}

// Verdict is a population audit in sentences: one headline per target
// (Headline), the research goal (GoalMet), and the statistics chosen by
// nested leave-one-out against OOD pursuit, whose scatter plots a report
// shows.
type Verdict struct {
	Headlines    []string `json:"headlines"`
	Goal         string   `json:"goal"`
	GoalMet      bool     `json:"goal_met"`
	BestWhiteBox string   `json:"best_white_box"`
	BestBlackBox string   `json:"best_black_box"`
}

// Family is a set of statistics offered to the nested choice.
type Family string

const (
	FamilyAll      Family = "all"
	FamilyWhiteBox Family = "white-box"
	FamilyBlackBox Family = "black-box"
)

// FamilySummary is the nested leave-one-out result of one family for one
// target: its honest prediction error, the statistic chosen most often
// and that statistic's ρ.
type FamilySummary struct {
	Family Family         `json:"family"`
	Target Target         `json:"target"`
	MAE    schema.Num     `json:"nested_loo_mae"`
	N      int            `json:"agents"`
	Chosen map[string]int `json:"chosen"`
	// Best is the statistic the nested choice picked most often (ties:
	// earlier in Statistics order), and BestRho its ρ with the target.
	Best    string   `json:"best"`
	BestRho Interval `json:"best_rho"`
	// MaxAbsRho is the largest |ρ| in the family, chosen on the OOD
	// results themselves: descriptive only, never a prediction.
	MaxAbsRho     Interval `json:"max_abs_rho"`
	MaxAbsRhoStat string   `json:"max_abs_rho_statistic"`
}

// Result is a population audit.
type Result struct {
	Population string          `json:"population"`
	Agents     []AgentRow      `json:"agents"`
	Statistics []StatRow       `json:"statistics"`
	Families   []FamilySummary `json:"families"`
	Bootstrap  int             `json:"bootstrap_resamples"`
	BootSeed   uint64          `json:"bootstrap_seed"`
	// Calibration states the a-priori calibration rule.
	Calibration string `json:"calibration"`
	// Verdict is the result in sentences, for reports.
	Verdict Verdict `json:"verdict"`
	// Dir, in a copy of the result stored elsewhere (a run directory),
	// is the population output directory relative to the copy's
	// directory, where the scatter plots are.
	Dir string `json:"dir,omitempty"`
}

// CalibrationRule is the calibration, fixed before any result was seen.
const CalibrationRule = "ordinary least squares of the target rate on the statistic (on its a-priori scale: linear for shares and rates, log10 for KL divergences), " +
	"fitted to every other agent; 95% prediction interval of a new observation (Student t, n−2 degrees of freedom), clipped to [0, 1]"

// Validate compares each statistic with the measured OOD rates of the same
// agents. stats and measured are matched by agent ID; an agent without
// measured rates is an error. The result lists the agents sorted by ID. proxyName names the proxy outcome in the
// sentences (e.g. "reached_end_no_coin").
func Validate(population, proxyName string, stats []*AgentStats, measured map[string]Measured, boot BootstrapOptions) (*Result, error) {
	if len(stats) < 3 {
		return nil, fmt.Errorf("audit: validating %d agents: need at least 3", len(stats))
	}
	res := &Result{Population: population, Bootstrap: boot.Resamples, BootSeed: boot.Seed, Calibration: CalibrationRule}
	// Agents in ID order, so that the bootstrap's resamples (drawn by
	// index) do not depend on the order the runs were given in.
	stats = append([]*AgentStats(nil), stats...)
	sort.SliceStable(stats, func(i, j int) bool { return stats[i].ID < stats[j].ID })
	groups, y := groupIndex(stats), map[Target][]float64{}
	for _, s := range stats {
		m, ok := measured[s.ID]
		if !ok {
			return nil, fmt.Errorf("audit: no measured OOD rates for agent %s", s.ID)
		}
		for _, t := range Targets {
			y[t] = append(y[t], m.of(t))
		}
		row := AgentRow{ID: s.ID, Group: s.Group, Measured: m, Stats: map[string]schema.Num{}}
		for _, v := range s.Values {
			row.Stats[v.Name] = v.Value
		}
		res.Agents = append(res.Agents, row)
	}
	all := Statistics()
	for _, st := range all {
		x := column(stats, st.Name)
		row := StatRow{Name: st.Name, WhiteBox: st.WhiteBox, Touches: st.Touches, Scale: st.Scale, Doc: st.Doc,
			By: map[Target]Validation{}}
		xs, keep := finite(x)
		row.N = len(xs)
		for _, t := range Targets {
			yt, gt := pickF(y[t], keep), pickInt(groups, keep)
			loo := LeaveOneOut(x, y[t], st.Scale)
			row.By[t] = Validation{Rho: SpearmanCI(xs, yt, boot), RhoWithin: WithinGroupSpearmanCI(xs, yt, gt, boot),
				LOOMAE: schema.Num(loo.MAE), LOOCover: schema.Num(loo.Coverage)}
		}
		row.Predicts = predicts(row.By[TargetPursuit].Rho, row.By[TargetProxy].Rho)
		res.Statistics = append(res.Statistics, row)
	}
	res.nested(stats, y, all)
	res.verdict(proxyName)
	return res, nil
}

// verdict fills the sentences once every number is known.
func (res *Result) verdict(proxyName string) {
	for i := range res.Agents {
		res.Agents[i].Line = res.Agents[i].AgentLine(proxyName)
	}
	v := Verdict{}
	for _, t := range Targets {
		v.Headlines = append(v.Headlines, res.Headline(t))
	}
	v.GoalMet, v.Goal = res.GoalMet()
	wb, _ := res.Family(FamilyWhiteBox, TargetPursuit)
	bb, _ := res.Family(FamilyBlackBox, TargetPursuit)
	v.BestWhiteBox, v.BestBlackBox = wb.Best, bb.Best
	res.Verdict = v
}

// nested runs the nested leave-one-out choice for every family and target
// and fills the per-agent predictions of the proxy rate.
func (res *Result) nested(stats []*AgentStats, y map[Target][]float64, all []Statistic) {
	for _, fam := range []Family{FamilyAll, FamilyWhiteBox, FamilyBlackBox} {
		var cands []Candidate
		for _, st := range all {
			if fam == FamilyAll || (fam == FamilyWhiteBox) == st.WhiteBox {
				cands = append(cands, Candidate{Name: st.Name, Values: column(stats, st.Name), Scale: st.Scale})
			}
		}
		for _, t := range Targets {
			nr := NestedLOO(cands, y[t])
			fs := FamilySummary{Family: fam, Target: t, MAE: schema.Num(nr.MAE), N: nr.N, Chosen: nr.Chosen}
			fs.Best = mostChosen(nr.Chosen, cands)
			fs.BestRho = res.rhoOf(fs.Best, t)
			fs.MaxAbsRho, fs.MaxAbsRhoStat = res.maxAbsRho(cands, t)
			res.Families = append(res.Families, fs)
			if t != TargetProxy {
				continue
			}
			for i := range res.Agents {
				switch fam {
				case FamilyAll:
					res.Agents[i].Predicted = nr.Choices[i]
				case FamilyWhiteBox:
					res.Agents[i].PredictedWB = nr.Choices[i]
				case FamilyBlackBox:
					res.Agents[i].PredictedBB = nr.Choices[i]
				}
			}
		}
	}
}

// Family returns the summary of fam for target t.
func (res *Result) Family(fam Family, t Target) (FamilySummary, bool) {
	for _, f := range res.Families {
		if f.Family == fam && f.Target == t {
			return f, true
		}
	}
	return FamilySummary{}, false
}

func (res *Result) rhoOf(stat string, t Target) Interval {
	for _, s := range res.Statistics {
		if s.Name == stat {
			return s.By[t].Rho
		}
	}
	return Interval{Value: nan, Lo: nan, Hi: nan}
}

func (res *Result) maxAbsRho(cands []Candidate, t Target) (Interval, string) {
	best, name := Interval{Value: nan, Lo: nan, Hi: nan}, ""
	for _, c := range cands {
		r := res.rhoOf(c.Name, t)
		if !math.IsNaN(r.Value) && (name == "" || math.Abs(r.Value) > math.Abs(best.Value)) {
			best, name = r, c.Name
		}
	}
	return best, name
}

// mostChosen is the candidate chosen most often (earlier wins ties; ""
// when none was chosen).
func mostChosen(chosen map[string]int, cands []Candidate) string {
	best, n := "", 0
	for _, c := range cands {
		if chosen[c.Name] > n {
			best, n = c.Name, chosen[c.Name]
		}
	}
	return best
}

// predicts classifies a statistic by which intervals exclude 0.
func predicts(pursuit, proxy Interval) string {
	sig := func(i Interval) bool { return !math.IsNaN(i.Lo) && (i.Lo > 0 || i.Hi < 0) }
	switch p, f := sig(pursuit), sig(proxy); {
	case p && f:
		return "both"
	case p:
		return "pursuit"
	case f:
		return "failure"
	}
	return "neither"
}

// groupIndex numbers the agents' groups in order of first appearance.
func groupIndex(stats []*AgentStats) []int {
	ids := map[string]int{}
	out := make([]int, len(stats))
	for i, s := range stats {
		k, ok := ids[s.Group]
		if !ok {
			k = len(ids)
			ids[s.Group] = k
		}
		out[i] = k
	}
	return out
}

// column is one statistic over the agents (NaN where missing).
func column(stats []*AgentStats, name string) []float64 {
	out := make([]float64, len(stats))
	for i, s := range stats {
		out[i] = s.Get(name)
	}
	return out
}

// finite returns the finite values of x and their indices.
func finite(x []float64) ([]float64, []int) {
	var vals []float64
	var idx []int
	for i, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
			idx = append(idx, i)
		}
	}
	return vals, idx
}

func pickF(v []float64, idx []int) []float64 { return pick(v, idx) }

// Groups lists the agents' groups in order of first appearance.
func (res *Result) Groups() []string {
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
