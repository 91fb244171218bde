package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestClusterBootstrapSingletons(t *testing.T) {
	x, _, _ := population(3, 1, 60, 0, 0, 0)
	labels := make([]int, len(x))
	for i := range labels {
		labels[i] = 1000 - 7*i // any distinct labels
	}
	a := ClusterBootstrap(len(x), nil, 500, 9, meanStat(x))
	b := ClusterBootstrap(len(x), labels, 500, 9, meanStat(x))
	if a != b {
		t.Errorf("nil clusters %+v != singleton clusters %+v", a, b)
	}
	// The plain bootstrap of a mean ≈ mean ± 1.96·sd/√n.
	sd := math.Sqrt(PopVariance(x))
	half := 1.959964 * sd / math.Sqrt(float64(len(x)))
	for seed := uint64(1); seed <= 5; seed++ {
		iv := ClusterBootstrap(len(x), nil, 4000, seed, meanStat(x))
		if !near(iv.Lo, iv.Value-half, 0.15*half) || !near(iv.Hi, iv.Value+half, 0.15*half) {
			t.Errorf("seed %d: %+v, want about %v ± %v", seed, iv, iv.Value, half)
		}
	}
}

func TestClusterBootstrapWiderWithClusters(t *testing.T) {
	// Strong cluster effects: 6 clusters of 8 carry about 6 units of
	// information, so the cluster interval of the mean is much wider.
	_, y, cl := population(5, 6, 8, 0, 3, 0.3)
	plain := ClusterBootstrap(len(y), nil, 2000, 1, meanStat(y))
	clus := ClusterBootstrap(len(y), cl, 2000, 1, meanStat(y))
	if w1, w2 := plain.Hi-plain.Lo, clus.Hi-clus.Lo; !(w2 > 1.8*w1) {
		t.Errorf("cluster width %v not much wider than plain %v", w2, w1)
	}
}

func TestClusterBootstrapUndefined(t *testing.T) {
	stat := func(idx []int) float64 {
		for _, i := range idx {
			if i == 0 {
				return math.NaN() // in ≈ 63 % of resamples
			}
		}
		return float64(len(idx))
	}
	iv := ClusterBootstrap(20, nil, 400, 1, stat)
	if !math.IsNaN(iv.Value) || !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) {
		t.Errorf("mostly-NaN resamples: %+v, want NaN bounds", iv)
	}
	one := ClusterBootstrap(5, []int{4, 4, 4, 4, 4}, 100, 1, meanStat([]float64{1, 2, 3, 4, 5}))
	if one.Value != 3 || !math.IsNaN(one.Lo) {
		t.Errorf("one cluster: %+v, want value 3 and NaN bounds", one)
	}
}

func TestSpearmanClusterCIContainsPoint(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		x, y, cl := population(seed, 6, 8, 0.5, 0.5, 1)
		iv := SpearmanClusterCI(x, y, cl, 500, seed)
		if iv.Value != Spearman(x, y) || !iv.Contains(iv.Value) || !(iv.Lo >= -1 && iv.Hi <= 1) {
			t.Errorf("seed %d: %+v", seed, iv)
		}
	}
}

func TestPairedAbsRhoDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	n := 48
	y, good, bad := make([]float64, n), make([]float64, n), make([]float64, n)
	cl := make([]int, n)
	for i := range y {
		y[i] = rng.NormFloat64()
		good[i] = y[i] + 0.2*rng.NormFloat64()
		bad[i] = -y[i] + 2*rng.NormFloat64() // sign does not matter: |ρ|
		cl[i] = i / 8
	}
	d := PairedAbsRhoDiff(good, bad, y, cl, 1000, 1)
	want := math.Abs(Spearman(good, y)) - math.Abs(Spearman(bad, y))
	if d.Value != want || !(d.Lo > 0) || !d.Contains(d.Value) {
		t.Errorf("good − bad = %+v, want value %v and Lo > 0", d, want)
	}
	if r := PairedAbsRhoDiff(bad, good, y, cl, 1000, 1); !(r.Hi < 0) {
		t.Errorf("bad − good = %+v, want Hi < 0", r)
	}
	// Identical predictors: the paired difference is exactly 0 in every
	// resample (two independent intervals would overlap widely instead).
	if z := PairedAbsRhoDiff(bad, bad, y, cl, 200, 1); z.Value != 0 || z.Lo != 0 || z.Hi != 0 {
		t.Errorf("x − x = %+v, want 0 [0, 0]", z)
	}
}

// SpearmanClusterTest's interval is SpearmanClusterCI's, and its p is
// small for a strong relation (at its floor for a perfect one) and large
// for none.
func TestSpearmanClusterTest(t *testing.T) {
	x := make([]float64, 30)
	y, noise := make([]float64, 30), make([]float64, 30)
	clusters := make([]int, 30)
	for i := range x {
		x[i] = float64(i)
		y[i] = 2 * float64(i)
		noise[i] = float64((i * 7) % 11)
		clusters[i] = i / 5
	}
	ci, p := SpearmanClusterTest(x, y, clusters, 500, 3)
	if want := SpearmanClusterCI(x, y, clusters, 500, 3); ci != want {
		t.Errorf("interval %+v, SpearmanClusterCI %+v", ci, want)
	}
	if ci.Value != 1 || p != 1.0/500 {
		t.Errorf("perfect relation: rho %v p %v, want 1 and 1/500", ci.Value, p)
	}
	if _, p := SpearmanClusterTest(x, noise, clusters, 500, 3); !(p > 0.2) {
		t.Errorf("no relation: p = %v", p)
	}
	if _, p := SpearmanClusterTest(x, y, nil, 0, 3); !math.IsNaN(p) {
		t.Errorf("no resamples: p = %v, want NaN", p)
	}
}

func TestBootstrapMean(t *testing.T) {
	// Per-unit differences −1 ×3, +1 ×1, 0 ×6 (interp's paired example):
	// mean −0.2, bootstrap sd √(0.36/10) ≈ 0.19.
	x := []float64{-1, -1, -1, 1, 0, 0, 0, 0, 0, 0}
	iv := BootstrapMean(x, 2000, 1)
	if !near(iv.Value, -0.2, 1e-12) || !(iv.Lo < -0.45 && iv.Lo > -0.7 && iv.Hi > 0 && iv.Hi < 0.25) {
		t.Errorf("BootstrapMean = %+v, want about −0.2 ± 0.37", iv)
	}
	// It is ClusterBootstrap of the mean, up to the quantile's last bit.
	cb := ClusterBootstrap(len(x), nil, 2000, 1, meanStat(x))
	if cb.Value != iv.Value || !near(cb.Lo, iv.Lo, 1e-12) || !near(cb.Hi, iv.Hi, 1e-12) {
		t.Errorf("BootstrapMean %+v, ClusterBootstrap %+v", iv, cb)
	}
	for _, c := range []struct {
		name      string
		x         []float64
		resamples int
		value     float64
	}{
		{"one unit", []float64{0.5}, 100, 0.5},
		{"no resamples", x, 0, -0.2},
		{"empty", nil, 100, nan},
	} {
		iv := BootstrapMean(c.x, c.resamples, 1)
		if !near(iv.Value, c.value, 1e-12) || !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) {
			t.Errorf("%s: BootstrapMean = %+v, want value %v and NaN bounds", c.name, iv, c.value)
		}
	}
}
