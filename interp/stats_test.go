package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/schema"
)

func TestPartialCorrelationRemovesTheControl(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	z, x, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
		x[i] = z[i] + 0.3*rng.NormFloat64() // x and y share only z
		y[i] = z[i] + 0.3*rng.NormFloat64()
	}
	if r := Pearson(x, y); r < 0.8 {
		t.Fatalf("raw correlation %.3f, want strong", r)
	}
	if r := PartialCorrelation(x, y, z); math.Abs(r) > 0.06 {
		t.Errorf("partial correlation given the common cause = %.3f, want ≈ 0", r)
	}
	// A direct effect survives the control.
	for i := range y {
		y[i] += 0.5 * (x[i] - z[i]) / 0.3
	}
	if r := PartialCorrelation(x, y, z); r < 0.3 {
		t.Errorf("partial correlation with a direct effect = %.3f, want > 0.3", r)
	}
	if PartialCorrelation(x, y, nil) != Pearson(x, y) {
		t.Error("nil control must give Pearson")
	}
}

// On pure noise the null's p-value is roughly uniform: rejections at 5%
// happen about 5% of the time, never most of the time.
func TestShiftNullOnPureNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rejections, trials := 0, 40
	for trial := 0; trial < trials; trial++ {
		acts := NewMatrix(300, 8)
		for i := range acts.Data {
			acts.Data[i] = float32(rng.NormFloat64())
		}
		concept := make([]float64, 300)
		for i := range concept {
			concept[i] = rng.NormFloat64()
		}
		null, err := NewShiftNull(acts, concept, nil, 99, uint64(trial))
		if err != nil {
			t.Fatal(err)
		}
		obs := math.Inf(-1)
		for _, c := range columns(acts) {
			obs = max(obs, Pearson(c, concept))
		}
		if null.P(obs) <= 0.05 {
			rejections++
		}
	}
	if rejections > 6 { // binomial(40, 0.05): P(> 6) < 0.5%
		t.Errorf("noise rejected in %d of %d trials at 5%%", rejections, trials)
	}
	// A planted feature is found.
	acts := NewMatrix(300, 8)
	concept := make([]float64, 300)
	for i := range concept {
		concept[i] = rng.NormFloat64()
		for j := 0; j < 8; j++ {
			acts.Data[i*8+j] = float32(rng.NormFloat64())
		}
		acts.Data[i*8+5] = float32(concept[i] + 0.5*rng.NormFloat64())
	}
	null, err := NewShiftNull(acts, concept, nil, 99, 7)
	if err != nil {
		t.Fatal(err)
	}
	if p := null.P(Pearson(columns(acts)[5], concept)); p > 0.011 {
		t.Errorf("planted feature p = %.3f, want the smallest possible (0.01)", p)
	}
}

func TestMcNemarKnownValues(t *testing.T) {
	for _, c := range []struct {
		b, c int
		p    float64
	}{
		{0, 0, 1},
		{5, 5, 1},
		{0, 5, 0.0625},  // 2 · (1/2)^5
		{1, 9, 0.02148}, // 2 · (1 + 10)/1024
		{10, 2, 0.03857},
	} {
		if got := McNemar(c.b, c.c); math.Abs(got-c.p) > 5e-5 {
			t.Errorf("McNemar(%d, %d) = %.5f, want %.5f", c.b, c.c, got, c.p)
		}
	}
}

// The paired difference against a hand computation: 10 levels, 4 fail at
// baseline, the intervention fixes 3 of them and breaks 1 other.
func TestPairedDifferenceByHand(t *testing.T) {
	base := []bool{true, true, true, true, false, false, false, false, false, false}
	treated := []bool{false, false, false, true, true, false, false, false, false, false}
	d := Paired(base, treated, 2000, 1)
	if d.N != 10 || d.Base != 0.4 || d.Treated != 0.2 || math.Abs(d.Delta+0.2) > 1e-12 || d.Up != 1 || d.Down != 3 {
		t.Fatalf("%+v", d)
	}
	if math.Abs(d.P-0.625) > 1e-9 { // McNemar(1, 3) = 2 · 5/16
		t.Errorf("p = %v, want 0.625", d.P)
	}
	// Per-level differences are −1 ×3, +1 ×1, 0 ×6: the bootstrap mean has
	// sd √(0.36/10) ≈ 0.19, so the interval is about Δ ± 0.37.
	if !(d.Lo < -0.45 && d.Lo > -0.7 && d.Hi > 0 && d.Hi < 0.25) {
		t.Errorf("interval [%.3f, %.3f]", d.Lo, d.Hi)
	}
}

func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("Holm = %v, want %v", got, want)
			break
		}
	}
}

// A latent that tracks the goal beyond the proxy is a goal feature, one
// that tracks the proxy a proxy feature, and a latent that tracks both (as
// in training, where they coincide) is listed under neither.
func TestSelectFeaturesDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	n := 400
	goal, proxy := make([]float64, n), make([]float64, n)
	codes := NewMatrix(n, 4)
	for i := 0; i < n; i++ {
		goal[i], proxy[i] = rng.NormFloat64(), rng.NormFloat64()
		codes.Data[i*4+0] = float32(goal[i] + 0.3*rng.NormFloat64())            // goal feature
		codes.Data[i*4+1] = float32(proxy[i] + 0.3*rng.NormFloat64())           // proxy feature
		codes.Data[i*4+2] = float32(goal[i] + proxy[i] + 0.3*rng.NormFloat64()) // both
		codes.Data[i*4+3] = float32(rng.NormFloat64())                          // noise
	}
	concepts := []Concept{
		{Name: "goal_near", Role: RoleGoal, Values: goal, ControlName: "proxy_near", Control: proxy},
		{Name: "proxy_near", Role: RoleProxy, Values: proxy, ControlName: "goal_near", Control: goal},
	}
	var scores []ConceptScore
	for i, c := range concepts {
		sc, err := ScoreConcept(codes, c, 99, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, sc)
	}
	g, p := SelectFeatures(scores, 0.05, 5)
	seen := map[int]string{}
	for _, f := range append(append([]schema.Feature(nil), g...), p...) {
		if r, dup := seen[f.Latent]; dup {
			t.Errorf("latent %d listed as %s and %s", f.Latent, r, f.Role)
		}
		seen[f.Latent] = f.Role
		if f.Latent == 2 || f.Latent == 3 {
			t.Errorf("unspecific latent listed: %+v", f)
		}
	}
	if len(g) == 0 || g[0].Latent != 0 || len(p) == 0 || p[0].Latent != 1 {
		t.Errorf("goal %+v, proxy %+v: want latent 0 first as goal, 1 first as proxy", g, p)
	}
	// Pure noise concepts: nothing beats the null.
	noise := []Concept{{Name: "goal_near", Role: RoleGoal, Values: make([]float64, n)}}
	for i := range noise[0].Values {
		noise[0].Values[i] = rng.NormFloat64()
	}
	sc, err := ScoreConcept(codes, noise[0], 99, 9)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := SelectFeatures([]ConceptScore{sc}, 0.05, 5); len(g) != 0 && sc.P > 0.05 {
		t.Errorf("noise features selected: %+v", g)
	}
}
