package circumvent

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWeightShareUnderControls: permuting units leaves the first-layer
// goal share unchanged; scaling first-layer units changes it although the
// function is the same.
func TestWeightShareUnderControls(t *testing.T) {
	_, spec := realObs(t, 1, 1)
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	for _, cfg := range testArchs {
		ps := testParams(t, cfg, spec, 21)
		before, err := WeightShare(ps, goal, proxy)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			control string
			same    bool
		}{{"permute", true}, {"scale-first", false}} {
			var ctl Control
			for _, k := range Controls() {
				if k.Name == c.control {
					ctl = k
				}
			}
			out, err := ctl.Apply(ps, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			after, err := WeightShare(out, goal, proxy)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(after - before); c.same && d > 1e-6 || !c.same && d < 1e-3 {
				t.Errorf("%s %s: share %.6f → %.6f", cfg.Arch, c.control, before, after)
			}
		}
	}
}

// TestShareScalingIsExactAndExtreme: the optimised scaling keeps the
// outputs, moves the share in the asked direction, and no random corner
// of the scale box does better.
func TestShareScalingIsExactAndExtreme(t *testing.T) {
	real, spec := realObs(t, 100, 5)
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	const spread = 4.0
	for _, cfg := range testArchs {
		ps := testParams(t, cfg, spec, 23)
		orig := build(t, ps)
		before, _ := WeightShare(ps, goal, proxy)
		for _, up := range []bool{true, false} {
			tr, err := ShareScaling(ps, goal, proxy, spread, up)
			if err != nil {
				t.Fatal(err)
			}
			out := ps.Clone()
			if err := out.Apply(tr); err != nil {
				t.Fatal(err)
			}
			after, _ := WeightShare(out, goal, proxy)
			if up && after <= before || !up && after >= before {
				t.Errorf("%s up=%v: share %.4f → %.4f", cfg.Arch, up, before, after)
			}
			d, err := Compare(orig, build(t, out), real)
			if err != nil {
				t.Fatal(err)
			}
			if d.MaxLogit > outputTol || d.MaxValue > outputTol {
				t.Errorf("%s up=%v: outputs moved by %.3g / %.3g", cfg.Arch, up, d.MaxLogit, d.MaxValue)
			}
			rng := rand.New(rand.NewPCG(2, 2))
			for trial := 0; trial < 200; trial++ {
				sc := make([]float64, len(tr.Scale))
				for i := range sc {
					sc[i] = spread
					if rng.IntN(2) == 0 {
						sc[i] = 1 / spread
					}
				}
				alt := ps.Clone()
				if err := alt.Apply(Transform{Space: tr.Space, Scale: sc}); err != nil {
					t.Fatal(err)
				}
				s, _ := WeightShare(alt, goal, proxy)
				if up && s > after+1e-9 || !up && s < after-1e-9 {
					t.Fatalf("%s up=%v: a random corner reaches %.6f, ShareScaling %.6f", cfg.Arch, up, s, after)
				}
			}
			t.Logf("%s up=%v: first-layer goal share %.4f → %.4f with outputs within %.2g", cfg.Arch, up, before, after, d.MaxLogit)
		}
	}
}
