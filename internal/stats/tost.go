package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// TOSTTwoProportions is the two one-sided tests (TOST) of equivalence of
// two independent proportions, k1 of n1 and k2 of n2, within ±margin
// (margin > 0): H₀ is |p1 − p2| ≥ margin, H₁ is |p1 − p2| < margin.
//
// It uses the Agresti–Caffo adjusted Wald statistic: each proportion
// becomes p̃ = (k+1)/(n+2) with variance p̃(1−p̃)/(n+2), so the standard
// error never vanishes at 0 or n successes (where the plain Wald test
// would declare two samples of all-zeros exactly equivalent). With d̃ =
// p̃1 − p̃2 and its standard error se, [lo90, hi90] = d̃ ∓ z₀.₉₅·se and p =
// max(1 − Φ((d̃+margin)/se), Φ((d̃−margin)/se)); since both use the same
// d̃ and se, p < 0.05 exactly when −margin < lo90 and hi90 < margin.
// diff is the raw k1/n1 − k2/n2.
//
// All four are NaN when n1 or n2 is 0. It panics if a count is outside
// 0 ≤ k ≤ n.
func TOSTTwoProportions(k1, n1, k2, n2 int, margin float64) (diff, lo90, hi90, p float64) {
	if k1 < 0 || k1 > n1 || k2 < 0 || k2 > n2 {
		panic("stats: TOSTTwoProportions: count outside [0, n]")
	}
	if n1 == 0 || n2 == 0 {
		return nan, nan, nan, nan
	}
	diff = float64(k1)/float64(n1) - float64(k2)/float64(n2)
	a1, a2 := float64(k1+1)/float64(n1+2), float64(k2+1)/float64(n2+2)
	d := a1 - a2
	se := math.Sqrt(a1*(1-a1)/float64(n1+2) + a2*(1-a2)/float64(n2+2))
	norm := distuv.UnitNormal
	z := norm.Quantile(0.95)
	pLow := norm.Survival((d + margin) / se) // H₀: d ≤ −margin
	pHigh := norm.CDF((d - margin) / se)     // H₀: d ≥ margin
	return diff, d - z*se, d + z*se, math.Max(pLow, pHigh)
}

// TOSTMeans is the two one-sided tests of equivalence of the means of two
// independent samples within ±margin (margin > 0), with Welch's unequal-
// variance t statistic and Welch–Satterthwaite degrees of freedom ν:
// diff = mean(a) − mean(b), [lo90, hi90] = diff ∓ t(0.95, ν)·se and p =
// max(P(T_ν ≥ (diff+margin)/se), P(T_ν ≤ (diff−margin)/se)), so p < 0.05
// exactly when the 90 % interval lies inside (−margin, margin).
//
// diff is NaN when either sample is empty or holds a NaN; lo90, hi90 and
// p are NaN also when either sample has fewer than 2 values or both are
// constant (se = 0).
func TOSTMeans(a, b []float64, margin float64) (diff, lo90, hi90, p float64) {
	if len(a) == 0 || len(b) == 0 || anyNaN(a) || anyNaN(b) {
		return nan, nan, nan, nan
	}
	diff = Mean(a) - Mean(b)
	if len(a) < 2 || len(b) < 2 {
		return diff, nan, nan, nan
	}
	va, vb := Variance(a)/float64(len(a)), Variance(b)/float64(len(b))
	se := math.Sqrt(va + vb)
	if se == 0 {
		return diff, nan, nan, nan
	}
	nu := (va + vb) * (va + vb) / (va*va/float64(len(a)-1) + vb*vb/float64(len(b)-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}
	q := t.Quantile(0.95)
	pLow := t.Survival((diff + margin) / se)
	pHigh := t.CDF((diff - margin) / se)
	return diff, diff - q*se, diff + q*se, math.Max(pLow, pHigh)
}
