package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestChannelGridLayoutAndColours(t *testing.T) {
	shape := [3]int{3, 5, 5}
	v := make([]float64, 3*5*5+1)
	v[0] = 2      // channel 0, top-left: strongly positive (red)
	v[25+24] = -2 // channel 1, bottom-right: strongly negative (blue)
	g := ChannelGrid{Title: "action 7 right: top eigenvectors", Shape: shape, Channels: []string{"agent", "coin", "end zone"},
		Vectors: [][]float64{v, v}, Captions: []string{"λ=+1.23", "λ=-0.45"}}
	img, err := g.Render()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() < 600 {
		t.Errorf("width %d, want at least 600", img.Bounds().Dx())
	}
	red, blue := 0, 0
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		if r == 255 && g < 40 && b < 40 {
			red++
		}
		if b == 255 && r < 40 && g < 40 {
			blue++
		}
	}
	// Two columns each draw one saturated red and one saturated blue cell
	// (plus the colour bar's ends).
	if red < 2*36 || blue < 2*36 {
		t.Errorf("saturated pixels: %d red, %d blue", red, blue)
	}
	if _, err := (ChannelGrid{Shape: shape, Vectors: [][]float64{v[:10]}}).Render(); err == nil {
		t.Error("short vector accepted")
	}
}

func TestPanelsRender(t *testing.T) {
	p := Panels{Title: "latent 3", Shape: [3]int{2, 3, 3}, Channels: []string{"a", "b"},
		Vectors: [][]float32{make([]float32, 18), make([]float32, 18)}, Captions: []string{"act 1.0", "act 0.5"}}
	img, err := p.Render()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() < 600 {
		t.Errorf("width %d", img.Bounds().Dx())
	}
}

// The logit form reproduces logit_i − mean logit exactly for a bilinear
// policy with biases and the residual term (random weights here; the
// stage's test checks a trained policy).
func TestBilinearLogitFormIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	obs, hidden, actions := 7, 5, 3
	rnd := func(r, c int) Matrix {
		m := NewMatrix(r, c)
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
		return m
	}
	vec := func(n int) []float32 { return rnd(1, n).Data }
	p := BilinearPolicy{A: rnd(hidden, obs), B: vec(hidden), W: rnd(hidden, hidden), V: rnd(hidden, hidden), U: rnd(actions, hidden), UB: vec(actions)}
	forward := func(x []float32) []float64 {
		e := make([]float64, hidden)
		for k := range e {
			e[k] = float64(p.B[k])
			for i, xi := range x {
				e[k] += float64(p.A.Data[k*obs+i]) * float64(xi)
			}
		}
		h := make([]float64, hidden)
		for k := range h {
			var we, ve float64
			for j := range e {
				we += float64(p.W.Data[k*hidden+j]) * e[j]
				ve += float64(p.V.Data[k*hidden+j]) * e[j]
			}
			h[k] = e[k] + we*ve
		}
		logits := make([]float64, actions)
		for a := range logits {
			logits[a] = float64(p.UB[a])
			for k := range h {
				logits[a] += float64(p.U.Data[a*hidden+k]) * h[k]
			}
		}
		return logits
	}
	for trial := 0; trial < 5; trial++ {
		x := vec(obs)
		logits := forward(x)
		mean := (logits[0] + logits[1] + logits[2]) / 3
		for a := 0; a < actions; a++ {
			q, err := p.LogitForm(a)
			if err != nil {
				t.Fatal(err)
			}
			if got := QuadForm(q, Augment(x)); math.Abs(got-(logits[a]-mean)) > 1e-9*math.Max(1, math.Abs(logits[a])) {
				t.Errorf("trial %d action %d: form %v, forward %v", trial, a, got, logits[a]-mean)
			}
		}
	}
	// The eigendecomposition reconstructs the same value: Σ λᵢ (vᵢ·x̃)².
	q, _ := p.LogitForm(0)
	sp, err := Eigen(q)
	if err != nil {
		t.Fatal(err)
	}
	x := Augment(vec(obs))
	var sum float64
	for i, l := range sp.Values {
		d := mat.Dot(mat.NewVecDense(len(x), x), mat.NewVecDense(len(x), sp.Vectors[i]))
		sum += l * d * d
	}
	if want := QuadForm(q, x); math.Abs(sum-want) > 1e-8*math.Max(1, math.Abs(want)) {
		t.Errorf("eigen reconstruction %v, form %v", sum, want)
	}
}

func TestPatternsNearestHamming(t *testing.T) {
	// Two layers of 3 and 70 units (73 bits, two words).
	l1 := Matrix{Rows: 3, Cols: 3, Data: []float32{1, 0, 1, 1, 0, 1, 0, 2, 0}}
	l2 := NewMatrix(3, 70)
	l2.Data[0*70+69] = 1
	l2.Data[1*70+69] = 1
	p, err := NewPatterns(l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Bits != 73 {
		t.Fatalf("bits %d", p.Bits)
	}
	if c := p.Codes(); c[0] != c[1] || c[0] == c[2] {
		t.Errorf("codes %v: rows 0 and 1 share a pattern, row 2 differs", c)
	}
	// Row 2 differs from rows 0/1 in 3 bits of l1 and the last bit of l2.
	if d := p.Distance(2, p, 0); d != 4.0/73 {
		t.Errorf("distance %v, want 4/73", d)
	}
	ref, q := p.Subset([]int{0}), p.Subset([]int{1, 2})
	near, err := ref.Nearest(q)
	if err != nil {
		t.Fatal(err)
	}
	if near[0] != 0 || near[1] != 4.0/73 {
		t.Errorf("nearest %v", near)
	}
	s := Summarise(near)
	if s.Exact != 0.5 || s.Samples != 2 || math.Abs(s.Mean-2.0/73) > 1e-12 {
		t.Errorf("summary %+v", s)
	}
	if _, err := NewPatterns(l1, NewMatrix(2, 4)); err == nil {
		t.Error("layers with different rows accepted")
	}
}
