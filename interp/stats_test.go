package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// A constant latent (a dead one) has no measurable association: partialR
// reads stats' NaN as 0, with and without a control, so it never wins the
// maximum over latents.
func TestPartialRConstantIsZero(t *testing.T) {
	x := []float64{0, 0, 0, 0, 0}
	y := []float64{1, 3, 2, 5, 4}
	z := []float64{2, 1, 4, 3, 5}
	if r := partialR(x, y, nil); r != 0 {
		t.Errorf("partialR(constant, y, nil) = %v, want 0", r)
	}
	if r := partialR(x, y, z); r != 0 {
		t.Errorf("partialR(constant, y, z) = %v, want 0", r)
	}
	if r, want := partialR(z, y, nil), stats.Pearson(z, y); r != want {
		t.Errorf("partialR(z, y, nil) = %v, want Pearson %v", r, want)
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
			obs = max(obs, stats.Pearson(c, concept))
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
	if p := null.P(stats.Pearson(columns(acts)[5], concept)); p > 0.011 {
		t.Errorf("planted feature p = %.3f, want the smallest possible (0.01)", p)
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
