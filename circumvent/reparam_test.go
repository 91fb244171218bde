package circumvent

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// outputTol is how close a reparametrised policy's logits and values must
// stay to the original's.
const outputTol = 1e-5

// TestControlsPreserveOutputs applies every control to each architecture
// (two random draws each) and compares logits and values on real CoinRun
// observations and on random ones.
func TestControlsPreserveOutputs(t *testing.T) {
	real, spec := realObs(t, 200, 1)
	obs := append(real, randomObs(100, spec.ObsSize(), 2)...)
	for _, cfg := range testArchs {
		ps := testParams(t, cfg, spec, 7)
		orig := build(t, ps)
		base, err := Forward(orig, obs)
		if err != nil {
			t.Fatal(err)
		}
		if m := maxAbs(base.Logits); m < 0.5 {
			t.Fatalf("%s: logits up to %.3g only: the test would not see a wrong transform", cfg.Arch, m)
		}
		for _, c := range Controls() {
			if !c.Applies(cfg.Arch) {
				continue
			}
			for draw := uint64(0); draw < 2; draw++ {
				out, err := c.Apply(ps, rand.New(rand.NewPCG(draw, 9)))
				if err != nil {
					t.Fatalf("%s %s: %v", cfg.Arch, c.Name, err)
				}
				if ch := maxRelChange(ps, out); ch < 0.1 {
					t.Errorf("%s %s: parameters moved by %.3g only", cfg.Arch, c.Name, ch)
				}
				d, err := Compare(orig, build(t, out), obs)
				if err != nil {
					t.Fatal(err)
				}
				if d.MaxLogit > outputTol || d.MaxValue > outputTol {
					t.Errorf("%s %s draw %d: logits differ by %.3g, values by %.3g (tolerance %g)", cfg.Arch, c.Name, draw, d.MaxLogit, d.MaxValue, outputTol)
				}
			}
		}
	}
}

func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	return m
}

// TestEverySpaceScaledAlone scales and permutes each hidden space on its
// own, so a slot missing from one space cannot hide behind another.
func TestEverySpaceScaledAlone(t *testing.T) {
	real, spec := realObs(t, 100, 3)
	for _, cfg := range testArchs {
		ps := testParams(t, cfg, spec, 11)
		orig := build(t, ps)
		spaces, err := Spaces(ps)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 5))
		for _, sp := range spaces {
			out := ps.Clone()
			tr := Transform{Space: sp.Name, Scale: RandomScales(rng, sp.Size, 8, sp.Signed), Perm: RandomPermutation(rng, sp.Size)}
			if err := out.Apply(tr); err != nil {
				t.Fatal(err)
			}
			d, err := Compare(orig, build(t, out), real)
			if err != nil {
				t.Fatal(err)
			}
			if d.MaxLogit > outputTol || d.MaxValue > outputTol {
				t.Errorf("%s space %s: logits differ by %.3g, values by %.3g", cfg.Arch, sp.Name, d.MaxLogit, d.MaxValue)
			}
		}
	}
}

// TestSpacesOfEachArch pins the hidden spaces each architecture exposes.
func TestSpacesOfEachArch(t *testing.T) {
	_, spec := realObs(t, 1, 1)
	want := [][]string{
		{"stage0", "stage0.res0", "stage1", "stage1.res0", "fc"},
		{"fc0", "fc1"},
		{"hidden"},
	}
	for i, cfg := range testArchs {
		spaces, err := Spaces(testParams(t, cfg, spec, 1))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sp := range spaces {
			names = append(names, sp.Name)
		}
		if !slices.Equal(names, want[i]) {
			t.Errorf("%s: spaces %v, want %v", cfg.Arch, names, want[i])
		}
		if !slices.Contains(spaces[0].Slots, Slot{Param: cfg.FirstLayer(), Axis: 0, Block: 1, Role: Producer}) {
			t.Errorf("%s: the first space %s is not the one the first layer %s writes", cfg.Arch, spaces[0].Name, cfg.FirstLayer())
		}
	}
}

// TestAxisPermuteAndScale checks the index arithmetic on a hand-written
// [2, 3, 2] tensor along its middle axis, and a blocked axis.
func TestAxisPermuteAndScale(t *testing.T) {
	data := []float32{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}
	ax := axisOf([]int64{2, 3, 2}, 1)
	p := slices.Clone(data)
	ax.permute(p, 1, []int{2, 0, 1})
	if want := []float32{4, 5, 0, 1, 2, 3, 14, 15, 10, 11, 12, 13}; !slices.Equal(p, want) {
		t.Errorf("permute: %v, want %v", p, want)
	}
	s := slices.Clone(data)
	ax.scale(s, 1, []float64{1, 2, 4}, false)
	if want := []float32{0, 1, 4, 6, 16, 20, 10, 11, 24, 26, 56, 60}; !slices.Equal(s, want) {
		t.Errorf("scale: %v, want %v", s, want)
	}
	// [1, 4] as two units of two columns each (a flatten of 2 channels × 2 positions).
	b := []float32{1, 2, 3, 4}
	bx := axisOf([]int64{1, 4}, 1)
	bx.permute(b, 2, []int{1, 0})
	bx.scale(b, 2, []float64{2, 4}, true)
	if want := []float32{1.5, 2, 0.25, 0.5}; !slices.Equal(b, want) {
		t.Errorf("blocked: %v, want %v", b, want)
	}
}

// TestTransformRejectsInexact: negative scales through a ReLU, zero
// scales, non-permutations and wrong sizes are refused and change nothing.
func TestTransformRejectsInexact(t *testing.T) {
	_, spec := realObs(t, 1, 1)
	ps := testParams(t, testArchs[0], spec, 1)
	before := ps.Clone()
	neg := RandomScales(rand.New(rand.NewPCG(1, 1)), 4, 2, false)
	neg[2] = -1
	for _, tr := range []Transform{
		{Space: "stage0", Scale: neg},
		{Space: "stage0", Scale: []float64{1, 0, 1, 1}},
		{Space: "stage0", Scale: []float64{1, math.NaN(), 1, 1}},
		{Space: "stage0", Scale: []float64{1, 1}},
		{Space: "stage0", Perm: []int{0, 1, 1, 2}},
		{Space: "stage0", Perm: []int{0, 1, 2}},
		{Space: "nope", Perm: []int{0}},
	} {
		if err := ps.Apply(tr); err == nil {
			t.Errorf("Apply(%+v) accepted", tr)
		}
	}
	if maxRelChange(before, ps) != 0 {
		t.Error("a refused transform changed the parameters")
	}
	bl := testParams(t, testArchs[2], spec, 1)
	if err := bl.Apply(Transform{Space: "hidden", Scale: RandomScales(rand.New(rand.NewPCG(1, 2)), 16, 2, true)}); err != nil {
		t.Errorf("bilinear signed scales refused: %v", err)
	}
}

// TestRotationIsNotExact backs the package doc's claim: a random rotation
// of a hidden basis, absorbed by every linear map next to it, changes the
// outputs of the bilinear and the MLP policies (the residual and the ReLU
// stop it), far beyond the exact transforms' rounding.
func TestRotationIsNotExact(t *testing.T) {
	real, spec := realObs(t, 100, 4)
	rng := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct {
		cfg       int
		producers []string // rows rotated: x' = R x
		consumers []string // columns rotated back: W' = W Rᵀ
	}{
		{2, []string{"embed.w", "embed.b"}, []string{"bilinear.w", "bilinear.v", "actor.w", "critic.w"}},
		{1, []string{"fc0.w", "fc0.b"}, []string{"fc1.w"}},
	} {
		cfg := testArchs[c.cfg]
		ps := testParams(t, cfg, spec, 13)
		r := randomRotation(rng, cfg.Hidden)
		out := ps.Clone()
		for _, name := range c.producers {
			ht := out.Tensor(name)
			var rm mat.Dense
			rm.Mul(r, asMatrix(ht.Data, ht.Shape))
			fromMatrix(&rm, ht.Data)
		}
		for _, name := range c.consumers {
			ht := out.Tensor(name)
			var rm mat.Dense
			rm.Mul(asMatrix(ht.Data, ht.Shape), r.T())
			fromMatrix(&rm, ht.Data)
		}
		d, err := Compare(build(t, ps), build(t, out), real)
		if err != nil {
			t.Fatal(err)
		}
		if d.MaxLogit < 1000*outputTol {
			t.Errorf("%s: a rotation changed the logits by %.3g only: is it exact after all?", cfg.Arch, d.MaxLogit)
		}
		t.Logf("%s: rotation changes logits by up to %.3g, values by %.3g", cfg.Arch, d.MaxLogit, d.MaxValue)
	}
}

// randomRotation is a Haar-random orthogonal n×n matrix (QR of a Gaussian).
func randomRotation(rng *rand.Rand, n int) *mat.Dense {
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// asMatrix views a 2-D tensor as a matrix and a 1-D one as a column.
func asMatrix(data []float32, shape []int64) *mat.Dense {
	rows, cols := int(shape[0]), 1
	if len(shape) == 2 {
		cols = int(shape[1])
	}
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.Set(i, j, float64(data[i*cols+j]))
		}
	}
	return m
}

// fromMatrix writes m back into data, row-major.
func fromMatrix(m *mat.Dense, data []float32) {
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			data[i*c+j] = float32(m.At(i, j))
		}
	}
}
