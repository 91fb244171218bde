package circumvent

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/internal/torch"
)

// TestFineTuneKeepsKLUnderTolerance attacks the first-layer weight share
// of a small MLP on CoinRun observations: the returned policy's KL on the
// check observations, recomputed here, is within the tolerance, and the
// penalty went down. A second run with a far larger λ and step size
// forces rollbacks and must still end within the tolerance.
func TestFineTuneKeepsKLUnderTolerance(t *testing.T) {
	obs, spec := realObs(t, 600, 8)
	size := spec.ObsSize()
	fit, check := obs[:400*size], obs[400*size:]
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	ps := testParams(t, testArchs[1], spec, 31)
	orig := build(t, ps)
	const tol = 0.01
	for _, c := range []struct {
		name          string
		lambda, lr    float64
		wantRollbacks bool
	}{
		{"gentle", 1, 1e-3, false},
		{"forced", 1e4, 3e-2, true}, // every check may fail: the original is then returned
	} {
		res, err := FineTune(context.Background(), ps, FineTuneOptions{
			Fit: fit, Check: check, Penalty: WeightSharePenalty(agents.PolicyConfig{Arch: "mlp"}, goal, proxy, Raise),
			Lambda: c.lambda, Tolerance: tol, Steps: 60, Batch: 64, CheckEvery: 10, LR: c.lr, Seed: 1,
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		d, err := Compare(orig, build(t, res.Params), check)
		if err != nil {
			t.Fatal(err)
		}
		if d.MeanKL > tol || math.Abs(d.MeanKL-res.KL) > 1e-6 {
			t.Errorf("%s: check KL %.5f (reported %.5f), tolerance %g", c.name, d.MeanKL, res.KL, tol)
		}
		if res.PenaltyAfter > res.PenaltyBefore || !c.wantRollbacks && !(res.PenaltyAfter < res.PenaltyBefore) {
			t.Errorf("%s: penalty %.5f → %.5f", c.name, res.PenaltyBefore, res.PenaltyAfter)
		}
		before, _ := WeightShare(ps, goal, proxy)
		after, _ := WeightShare(res.Params, goal, proxy)
		if math.Abs(-after-res.PenaltyAfter) > 1e-5 || after < before {
			t.Errorf("%s: weight share %.4f → %.4f, penalty after %.4f", c.name, before, after, res.PenaltyAfter)
		}
		if (res.Rollbacks > 0) != c.wantRollbacks {
			t.Errorf("%s: %d rollbacks", c.name, res.Rollbacks)
		}
		for _, ch := range res.Trace {
			if ch.Accepted != (ch.KL <= tol) {
				t.Errorf("%s: check %+v accepted against the tolerance", c.name, ch)
			}
		}
		t.Logf("%s: share %.4f → %.4f, KL %.5f, %d rollbacks, best step %d", c.name, before, after, res.KL, res.Rollbacks, res.BestStep)
	}
}

// TestPenaltiesMatchTheirDefinitions evaluates each observation-based
// penalty's Value on a bilinear policy and recomputes it on the host from
// forward passes.
func TestPenaltiesMatchTheirDefinitions(t *testing.T) {
	obs, spec := realObs(t, 400, 9)
	io := agents.IOOf(spec)
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	// Draw a coin and an end zone into every frame so both are in view.
	size, plane := spec.ObsSize(), spec.ObsShape[1]*spec.ObsShape[2]
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < len(obs); i += size {
		obs[i+goal[0]*plane+rng.IntN(plane)] = 1
		obs[i+proxy[0]*plane+rng.IntN(plane)] = 1
	}
	both := SelectVisible(io, obs, goal, proxy)
	if len(both) != len(obs) {
		t.Fatalf("%d of %d frames have both objects", len(both)/size, len(obs)/size)
	}
	ps := testParams(t, testArchs[2], spec, 5)
	p := build(t, ps)
	fr, err := PenaltyData{Fit: obs[:200*size], Check: obs[200*size:]}.WithLogits(p)
	if err != nil {
		t.Fatal(err)
	}
	check := fr.Check
	erase := func(chans []int) []float32 {
		out := append([]float32(nil), check...)
		for i := 0; i < len(out); i += size {
			for _, ch := range chans {
				clear(out[i+ch*plane : i+(ch+1)*plane])
			}
		}
		return out
	}
	x, _ := Forward(p, check)
	ng, _ := Forward(p, erase(goal))
	np, _ := Forward(p, erase(proxy))
	na := io.NumActions
	n := len(x.Values)
	var share, kl float64
	for i := 0; i < n; i++ {
		a := probe.Argmax(fr.CheckLogits[i*na : (i+1)*na])
		dg := math.Abs(float64(x.Logits[i*na+a] - ng.Logits[i*na+a]))
		dp := math.Abs(float64(x.Logits[i*na+a] - np.Logits[i*na+a]))
		share += dg / (dg + dp + 1e-6) / float64(n)
		kl += probe.KL(stats.LogSoftmax(stats.Float64s(x.Logits[i*na:(i+1)*na])), stats.LogSoftmax(stats.Float64s(ng.Logits[i*na:(i+1)*na]))) / float64(n)
	}
	signal := hostGoalSignal(t, p, check, erase(goal), "embed")
	pairs := fr
	pairs.FitEdited, pairs.CheckEdited = erase(goal)[:0], erase(goal)
	pairs.FitEdited = probe.GridOf(io.ObsShape).Erase(fr.Fit, goal)
	for _, c := range []struct {
		pen  Penalty
		want float64
	}{
		{OcclusionSharePenalty(io, fr, goal, proxy, Raise), -share},
		{OcclusionSharePenalty(io, fr, goal, proxy, Lower), share},
		{EraseKLPenalty(io, fr, goal, "goal", Raise), -kl},
		{GoalSignalPenalty(io, pairs, "embed", Lower), signal},
	} {
		got, err := c.pen.Value(p)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-4*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s: Value %.6f, host %.6f", c.pen.Name, got, c.want)
		}
		// The loss on a minibatch must carry gradients to the parameters.
		s := torch.NewScope()
		l := c.pen.Loss(s, p, rand.New(rand.NewPCG(1, 1)))
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		if err := l.Backward(); err != nil {
			t.Fatalf("%s: %v", c.pen.Name, err)
		}
		g := s.Grad(p.Params()[0].Tensor)
		if nrm, err := s.Norm(g, false).Item(); err != nil || !(nrm > 0) {
			t.Errorf("%s: first-layer gradient norm %v (%v)", c.pen.Name, nrm, err)
		}
		for _, n := range p.Params() {
			_ = n.Tensor.ZeroGrad()
		}
		s.Close()
	}
}

// hostGoalSignal computes the goal signal of a layer from captured
// activations.
func hostGoalSignal(t *testing.T, p agents.Policy, with, without []float32, layer string) float64 {
	t.Helper()
	capture := func(obs []float32) [][]float64 {
		var rows [][]float64
		s := torch.NewNoGradScope()
		defer s.Close()
		sh := p.IO().ObsShape
		n := len(obs) / p.IO().ObsSize()
		p.Forward(s, s.FromFloat32(obs, int64(n), int64(sh[0]), int64(sh[1]), int64(sh[2])), func(_ *torch.Scope, l string, a *torch.Tensor) *torch.Tensor {
			if l == layer {
				v, _ := a.Float32s()
				d := len(v) / n
				for i := 0; i < n; i++ {
					row := make([]float64, d)
					for j := range row {
						row[j] = float64(v[i*d+j])
					}
					rows = append(rows, row)
				}
			}
			return a
		})
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	a, b := capture(with), capture(without)
	n, d := len(a), len(a[0])
	var sig, tot float64
	for j := 0; j < d; j++ {
		var diff, m float64
		for i := 0; i < n; i++ {
			diff += (a[i][j] - b[i][j]) / float64(n)
			m += (a[i][j] + b[i][j]) / float64(2*n)
		}
		var v float64
		for i := 0; i < n; i++ {
			v += ((a[i][j]-m)*(a[i][j]-m) + (b[i][j]-m)*(b[i][j]-m)) / float64(2*n)
		}
		sig += diff * diff
		tot += v
	}
	return sig / (tot + 1e-8)
}

// TestFineTuneStops: with Stop, the fine-tune ends at the first accepted
// check that reaches the target, not at the lowest penalty it could reach.
func TestFineTuneStops(t *testing.T) {
	obs, spec := realObs(t, 600, 8)
	size := spec.ObsSize()
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	ps := testParams(t, testArchs[1], spec, 31)
	const target = 0.6
	res, err := FineTune(context.Background(), ps, FineTuneOptions{
		Fit: obs[:400*size], Check: obs[400*size:], Penalty: WeightSharePenalty(agents.PolicyConfig{Arch: "mlp"}, goal, proxy, Raise),
		Lambda: 1, Tolerance: 0.01, Steps: 60, Batch: 64, CheckEvery: 5, LR: 1e-3, Seed: 1,
		Stop: func(pen float64) bool { return -pen >= target },
	})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Trace[len(res.Trace)-1]
	share := -res.PenaltyAfter
	if share < target || share > 0.8 || last.Step >= 60 || res.BestStep != last.Step {
		t.Errorf("stopped at step %d (best %d) with share %.3f, target %.2f", last.Step, res.BestStep, share, target)
	}
}
