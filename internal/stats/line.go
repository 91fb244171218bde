package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Line is an ordinary least-squares line y = A + B·x fitted to N points,
// with what its prediction interval needs.
type Line struct {
	A, B  float64
	N     int
	MeanX float64
	Sxx   float64 // Σ (x − x̄)²
	S     float64 // residual standard deviation, √(SSE / (N − 2))
}

// FitLine fits y on x by least squares. It needs at least 3 points (so the
// residual variance has a degree of freedom) and a non-constant x; with
// fewer, constant x, or any NaN, ok is false. It panics if the lengths
// differ. (Same contract as audit.FitLine.)
func FitLine(x, y []float64) (l Line, ok bool) {
	mustSameLen("FitLine", len(x), len(y))
	n := len(x)
	if n < 3 || anyNaN(x) || anyNaN(y) || constant(x) {
		return l, false
	}
	mx, my := Mean(x), Mean(y)
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	l = Line{B: sxy / sxx, N: n, MeanX: mx, Sxx: sxx}
	l.A = my - l.B*mx
	var sse float64
	for i := range x {
		r := y[i] - l.A - l.B*x[i]
		sse += r * r
	}
	l.S = math.Sqrt(sse / float64(n-2))
	return l, true
}

// Predict returns the fitted value at x with the 95 % prediction interval
// of a new observation, ŷ ± t(0.975, N−2) · S · √(1 + 1/N + (x − x̄)²/Sxx).
// Nothing is clipped (audit.LinearFit.Predict clips all three to the
// range of its targets, rates and differences of rates).
func (l Line) Predict(x float64) Interval {
	return l.predict(x, l.t975())
}

// t975 is t(0.975, N−2), the costly part of Predict.
func (l Line) t975() float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(l.N - 2)}.Quantile(0.975)
}

func (l Line) predict(x, t float64) Interval {
	yhat := l.A + l.B*x
	half := t * l.S * math.Sqrt(1+1/float64(l.N)+(x-l.MeanX)*(x-l.MeanX)/l.Sxx)
	return Interval{Value: yhat, Lo: yhat - half, Hi: yhat + half}
}

// LOOLine predicts each unit from a least-squares line fitted to the
// other units: pred[i], lo[i], hi[i] are Line.Predict(x[i]) of FitLine on
// every j ≠ i with finite x[j] and y[j]. They are NaN where x[i] is NaN or
// fewer than 3 such units (or a constant x) leave no line; a NaN y[i]
// does not stop unit i being predicted. Transform x first (e.g. log10)
// if the line is on another scale. audit.LeaveOneOut(x, y, s).Pred is
// LOOLine(s.Apply(x), y) with every value clipped as audit.LinearFit.Predict
// clips (units with an infinite x or y aside, which the audit keeps in its
// fits). It panics if the lengths differ.
func LOOLine(x, y []float64) (pred, lo, hi []float64) {
	mustSameLen("LOOLine", len(x), len(y))
	return LeaveClusterOut(x, y, nil)
}

// LeaveClusterOut is LOOLine with whole clusters held out: every unit of
// a cluster is predicted from a line fitted to the units of all other
// clusters (finite x and y), so a config's agents never inform their own
// predictions. With clusters nil it is LOOLine. It corresponds to
// audit.LeaveGroupOut as LOOLine does to audit.LeaveOneOut. It panics if
// the lengths differ.
func LeaveClusterOut(x, y []float64, clusters []int) (pred, lo, hi []float64) {
	mustSameLen("LeaveClusterOut", len(x), len(y))
	mustClusters("LeaveClusterOut", len(x), clusters)
	n := len(x)
	pred, lo, hi = nans(n), nans(n), nans(n)
	var fx, fy []float64
	tByN := map[int]float64{} // most fits share N
	for _, g := range groupsOf(n, clusters) {
		fx, fy = fitSet(fx[:0], fy[:0], x, y, g)
		l, ok := FitLine(fx, fy)
		if !ok {
			continue
		}
		t, ok := tByN[l.N]
		if !ok {
			t = l.t975()
			tByN[l.N] = t
		}
		for _, i := range g {
			if !math.IsNaN(x[i]) {
				iv := l.predict(x[i], t)
				pred[i], lo[i], hi[i] = iv.Value, iv.Lo, iv.Hi
			}
		}
	}
	return pred, lo, hi
}

// fitSet appends the (x, y) of units outside the sorted list out with
// both values finite.
func fitSet(fx, fy, x, y []float64, out []int) ([]float64, []float64) {
	k := 0
	for j := range x {
		if k < len(out) && out[k] == j {
			k++
			continue
		}
		if finite(x[j]) && finite(y[j]) {
			fx, fy = append(fx, x[j]), append(fy, y[j])
		}
	}
	return fx, fy
}

func nans(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = nan
	}
	return out
}
