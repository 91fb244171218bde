package stats

import "testing"

func TestPanicsOnMismatchedLengths(t *testing.T) {
	a, b := []float64{1, 2, 3}, []float64{1, 2}
	cl := []int{0, 0}
	one := func(idx []int) float64 { return 1 }
	for name, f := range map[string]func(){
		"Pearson":               func() { Pearson(a, b) },
		"Spearman":              func() { Spearman(a, b) },
		"Complete":              func() { Complete(a, b) },
		"ClusterBootstrap":      func() { ClusterBootstrap(3, cl, 10, 1, one) },
		"SpearmanClusterCI":     func() { SpearmanClusterCI(a, b, nil, 10, 1) },
		"SpearmanClusterCI cl":  func() { SpearmanClusterCI(a, a, cl, 10, 1) },
		"PairedAbsRhoDiff":      func() { PairedAbsRhoDiff(a, a, b, nil, 10, 1) },
		"WithinClusterSpearman": func() { WithinClusterSpearman(a, a, cl) },
		"PermutationWithin":     func() { PermutationWithin(a, b, nil, 10, 1) },
		"SplitHalf":             func() { SplitHalf(a, b) },
		"PairedProportionDiff":  func() { PairedProportionDiff([]bool{true}, nil) },
		"TOSTTwoProportions":    func() { TOSTTwoProportions(5, 4, 1, 4, 0.1) },
		"FitLine":               func() { FitLine(a, b) },
		"LOOLine":               func() { LOOLine(a, b) },
		"LeaveClusterOut":       func() { LeaveClusterOut(a, a, cl) },
		"FitRidge":              func() { FitRidge([][]float64{{1}, {2}}, a, 1) },
		"FitRidge ragged":       func() { FitRidge([][]float64{{1}, {2, 3}, {4}}, a, 1) },
		"Ridge.Predict": func() {
			r, _ := FitRidge([][]float64{{1}, {2}, {4}}, a, 1)
			r.Predict([]float64{1, 2})
		},
		"NestedLOORidge":           func() { NestedLOORidge([][]float64{{1}}, a, []float64{1}) },
		"PartialCorrelation":       func() { PartialCorrelation(a, b, nil) },
		"PartialCorrelation ctl":   func() { PartialCorrelation(a, a, b) },
		"AUC":                      func() { AUC(a, []bool{true}) },
		"R2":                       func() { R2(a, b) },
		"ChiSquareHomogeneity":     func() { ChiSquareHomogeneity([]int{1, 2}, []int{3}) },
		"ChiSquareHomogeneity k>n": func() { ChiSquareHomogeneity([]int{4, 1}, []int{3, 3}) },
		"McNemar":                  func() { McNemar(-1, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
