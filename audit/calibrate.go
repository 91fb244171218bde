package audit

import (
	"math"

	"github.com/misgen/misgen/internal/stats"
)

// LinearFit is stats.Line, an ordinary least-squares line y = A + B·x
// with what its prediction interval needs, predicting rates.
type LinearFit struct{ stats.Line }

// FitLine fits y on x by least squares (stats.FitLine): at least 3 points
// and a non-constant x, else ok is false.
func FitLine(x, y []float64) (f LinearFit, ok bool) {
	l, ok := stats.FitLine(x, y)
	return LinearFit{l}, ok
}

// Predict returns the fitted value at x with the 95% prediction interval
// of a new observation, ŷ ± t(0.975, N−2) · s · √(1 + 1/N + (x − x̄)²/Sxx),
// clipped to [−1, 1] (the targets are rates and differences of rates).
func (f LinearFit) Predict(x float64) Prediction {
	p := f.Line.Predict(x)
	return Prediction{Value: clipRate(p.Value), Lo: clipRate(p.Lo), Hi: clipRate(p.Hi)}
}

func clipRate(v float64) float64 { return math.Min(1, math.Max(-1, v)) }

// LOOResult is a leave-one-out evaluation of one statistic as a predictor
// of a target rate: Pred[i] is agent i's prediction from a line fitted to
// the other agents (NaN Value where the statistic or target is missing for
// i, or fewer than 3 others have both).
type LOOResult struct {
	Pred     []Prediction
	MAE      float64 // mean |prediction − target| over predicted agents
	Coverage float64 // share of predicted agents whose target lies in the interval
	N        int     // predicted agents
}

// LeaveOneOut predicts every agent's target from a line on scale.Apply(x)
// fitted to the other agents. Missing values (NaN) in x or y exclude an
// agent from the fits and from the error.
func LeaveOneOut(x, y []float64, scale Scale) LOOResult { return LeaveGroupOut(x, y, scale, nil) }

// LeaveGroupOut is LeaveOneOut with every agent of the held-out agent's
// group (its training config) left out of the fit as well: how well the
// statistic predicts an agent of a config the calibration never saw.
// groups nil is LeaveOneOut.
func LeaveGroupOut(x, y []float64, scale Scale, groups []int) LOOResult {
	n := len(x)
	res := LOOResult{Pred: make([]Prediction, n)}
	var absErr float64
	covered := 0
	for i := 0; i < n; i++ {
		p, ok := predictHeldOut(x, y, scale, i, -1, groups)
		if !ok {
			res.Pred[i] = Prediction{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
			continue
		}
		res.Pred[i] = p
		if !math.IsNaN(y[i]) {
			absErr += math.Abs(p.Value - y[i])
			if y[i] >= p.Lo && y[i] <= p.Hi {
				covered++
			}
			res.N++
		}
	}
	res.MAE, res.Coverage = math.NaN(), math.NaN()
	if res.N > 0 {
		res.MAE = absErr / float64(res.N)
		res.Coverage = float64(covered) / float64(res.N)
	}
	return res
}

// predictHeldOut fits on every agent except i and skip (skip < 0: none),
// and with groups set every agent of i's or skip's group, with finite x
// and y, and predicts agent i.
func predictHeldOut(x, y []float64, scale Scale, i, skip int, groups []int) (Prediction, bool) {
	if math.IsNaN(x[i]) {
		return Prediction{}, false
	}
	var fx, fy []float64
	for j := range x {
		if heldOut(j, i, skip, groups) || math.IsNaN(x[j]) || math.IsNaN(y[j]) {
			continue
		}
		fx = append(fx, scale.Apply(x[j]))
		fy = append(fy, y[j])
	}
	f, ok := FitLine(fx, fy)
	if !ok {
		return Prediction{}, false
	}
	return f.Predict(scale.Apply(x[i])), true
}

// Candidate is a statistic offered to NestedLOO.
type Candidate struct {
	Name   string
	Values []float64 // one per agent, NaN where missing
	Scale  Scale
}

// NestedResult is NestedLOO's outcome.
type NestedResult struct {
	Choices []NestedChoice
	MAE     float64        // over agents with a prediction and a target
	N       int            // such agents
	Chosen  map[string]int // how often each statistic was chosen
}

// NestedLOO chooses a statistic for each held-out agent i without looking
// at i's target: among the candidates, the one with the lowest
// leave-one-out MAE over the other agents (each of them predicted from a
// line fitted to the rest, i excluded) is used to predict i from a line
// fitted to every agent but i. Its MAE is therefore an honest estimate of
// "pick the best statistic, then predict a new agent". Ties keep the
// earlier candidate.
//
// With groups set, "agent" reads "every agent of its group" in both loops
// (nested leave-one-config-out): the choice and the line never see the
// held-out agent's training config.
func NestedLOO(cands []Candidate, y []float64, groups []int) NestedResult {
	n := len(y)
	res := NestedResult{Choices: make([]NestedChoice, n), Chosen: map[string]int{}, MAE: math.NaN()}
	var absErr float64
	for i := 0; i < n; i++ {
		best, bestMAE := -1, math.Inf(1)
		for c, cand := range cands {
			if math.IsNaN(cand.Values[i]) {
				continue
			}
			if m := innerMAE(cand, y, i, groups); m < bestMAE {
				best, bestMAE = c, m
			}
		}
		res.Choices[i] = NestedChoice{Pred: Prediction{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}}
		if best < 0 {
			continue
		}
		p, ok := predictHeldOut(cands[best].Values, y, cands[best].Scale, i, -1, groups)
		if !ok {
			continue
		}
		res.Choices[i] = NestedChoice{Statistic: cands[best].Name, Pred: p}
		res.Chosen[cands[best].Name]++
		if !math.IsNaN(y[i]) {
			absErr += math.Abs(p.Value - y[i])
			res.N++
		}
	}
	if res.N > 0 {
		res.MAE = absErr / float64(res.N)
	}
	return res
}

// innerMAE is the leave-one-out MAE of cand over every agent but out. A
// candidate that predicts fewer than half of those agents (missing values)
// gets +Inf, so a statistic cannot win on a lucky handful.
func innerMAE(cand Candidate, y []float64, out int, groups []int) float64 {
	var sum float64
	k, others := 0, 0
	for j := range y {
		if heldOut(j, out, -1, groups) || math.IsNaN(y[j]) {
			continue
		}
		others++
		p, ok := predictHeldOut(cand.Values, y, cand.Scale, j, out, groups)
		if !ok {
			continue
		}
		sum += math.Abs(p.Value - y[j])
		k++
	}
	if k == 0 || 2*k < others {
		return math.Inf(1)
	}
	return sum / float64(k)
}

// heldOut reports whether agent j is left out when i (and skip ≥ 0) are
// held out: j is one of them or, with groups, in one of their groups.
func heldOut(j, i, skip int, groups []int) bool {
	if j == i || j == skip {
		return true
	}
	if groups == nil {
		return false
	}
	return groups[j] == groups[i] || (skip >= 0 && groups[j] == groups[skip])
}
