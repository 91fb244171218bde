package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// auditLOO is a copy of the prediction loop of audit.LeaveGroupOut
// (audit/calibrate.go: predictHeldOut, heldOut, FitLine,
// LinearFit.Predict; linear scale, groups nil for LeaveOneOut), kept here
// so that compatibility is tested without importing the audit.
func auditLOO(x, y []float64, groups []int) []Interval {
	out := make([]Interval, len(x))
	for i := range x {
		out[i] = nanInterval()
		if math.IsNaN(x[i]) {
			continue
		}
		var fx, fy []float64
		for j := range x {
			if j == i || (groups != nil && groups[j] == groups[i]) || math.IsNaN(x[j]) || math.IsNaN(y[j]) {
				continue
			}
			fx, fy = append(fx, x[j]), append(fy, y[j])
		}
		if l, ok := FitLine(fx, fy); ok {
			p := l.Predict(x[i])
			out[i] = Interval{clipRate(p.Value), clipRate(p.Lo), clipRate(p.Hi)}
		}
	}
	return out
}

// clipRate is the audit's clip of predicted rates.
func clipRate(v float64) float64 { return math.Min(1, math.Max(-1, v)) }

func TestFitLine(t *testing.T) {
	// y = 1 + 2x + e with e = (+1, −1, −1, +1) at x = 0..3: x̄ = 1.5,
	// Sxx = 5, Σe·(x − x̄) = 0, so B = 2, A = 1, SSE = 4, S = √2.
	l, ok := FitLine([]float64{0, 1, 2, 3}, []float64{2, 2, 4, 8})
	if !ok || !near(l.A, 1, 1e-12) || !near(l.B, 2, 1e-12) || !near(l.S, math.Sqrt2, 1e-12) || l.Sxx != 5 {
		t.Fatalf("FitLine = %+v, %v", l, ok)
	}
	// At x = 1.5: ŷ = 4, half = t(0.975, 2)·√2·√(1 + 1/4), t = 4.302652729911275.
	p := l.Predict(1.5)
	half := 4.302652729911275 * math.Sqrt2 * math.Sqrt(1.25)
	if !near(p.Value, 4, 1e-12) || !near(p.Lo, 4-half, 1e-9) || !near(p.Hi, 4+half, 1e-9) {
		t.Errorf("Predict(1.5) = %+v, want 4 ± %v", p, half)
	}
	for name, xy := range map[string][2][]float64{
		"n=2":        {{1, 2}, {1, 2}},
		"constant x": {{1, 1, 1}, {1, 2, 3}},
		"NaN":        {{1, 2, 3}, {1, nan, 3}},
	} {
		if _, ok := FitLine(xy[0], xy[1]); ok {
			t.Errorf("%s: ok", name)
		}
	}
}

func TestLeaveOutMatchesAudit(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	n := 30
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.Float64()
		y[i] = 0.2 + 0.5*x[i] + 0.1*rng.NormFloat64()
	}
	x[3], y[7], x[9], y[9] = nan, nan, nan, nan
	cl := make([]int, n)
	for i := range cl {
		cl[i] = i % 4
	}
	for _, groups := range [][]int{nil, cl} {
		pred, lo, hi := LeaveClusterOut(x, y, groups)
		want := auditLOO(x, y, groups)
		for i := range x {
			got := Interval{clipRate(pred[i]), clipRate(lo[i]), clipRate(hi[i])}
			if math.IsNaN(pred[i]) {
				got = nanInterval()
			}
			if !near(got.Value, want[i].Value, 1e-12) || !near(got.Lo, want[i].Lo, 1e-12) || !near(got.Hi, want[i].Hi, 1e-12) {
				t.Errorf("groups %v, unit %d: %+v, audit %+v", groups != nil, i, got, want[i])
			}
		}
	}
	pred, _, _ := LOOLine(x, y)
	if !math.IsNaN(pred[3]) || math.IsNaN(pred[7]) {
		t.Errorf("NaN x must not be predicted, NaN y must: %v %v", pred[3], pred[7])
	}
	if p, _, _ := LOOLine([]float64{1, 2, 3}, []float64{1, 2, 3}); !math.IsNaN(p[0]) {
		t.Errorf("2 others: %v, want NaN", p)
	}
}

func TestLeaveClusterOut(t *testing.T) {
	// Clusters 0 and 1 lie on y = x; cluster 2 on y = x + 10. Held out,
	// cluster 2 is predicted by y = x exactly (zero-width interval); the
	// others by lines pulled towards cluster 2.
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8}
	y := []float64{0, 1, 2, 3, 4, 5, 16, 17, 18}
	cl := []int{0, 0, 0, 1, 1, 1, 2, 2, 2}
	pred, lo, hi := LeaveClusterOut(x, y, cl)
	for i := 6; i < 9; i++ {
		if !near(pred[i], x[i], 1e-12) || !near(lo[i], x[i], 1e-9) || !near(hi[i], x[i], 1e-9) {
			t.Errorf("unit %d: %v [%v, %v], want %v", i, pred[i], lo[i], hi[i], x[i])
		}
	}
	for i := 0; i < 6; i++ {
		if !(lo[i] <= pred[i] && pred[i] <= hi[i] && hi[i]-lo[i] > 1) {
			t.Errorf("unit %d: %v [%v, %v]", i, pred[i], lo[i], hi[i])
		}
	}
	p1, l1, h1 := LeaveClusterOut(x, y, nil)
	p2, l2, h2 := LOOLine(x, y)
	for i := range p1 {
		if p1[i] != p2[i] || l1[i] != l2[i] || h1[i] != h2[i] {
			t.Errorf("nil clusters differ from LOOLine at %d", i)
		}
	}
}
