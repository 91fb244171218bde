package stats

// R2 returns the coefficient of determination of predictions pred of y,
// 1 − Σ(yᵢ − predᵢ)² / Σ(yᵢ − ȳ)²: 1 for a perfect prediction, 0 for one
// no better than the mean of y, negative for a worse one (e.g. out of
// sample). It is NaN when n < 2, when y is constant (nothing to explain)
// or when any value is NaN. It panics if the lengths differ.
func R2(pred, y []float64) float64 {
	mustSameLen("R2", len(pred), len(y))
	if len(y) < 2 || anyNaN(pred) || anyNaN(y) || constant(y) {
		return nan
	}
	m := Mean(y)
	var sse, sst float64
	for i := range y {
		sse += (y[i] - pred[i]) * (y[i] - pred[i])
		sst += (y[i] - m) * (y[i] - m)
	}
	return 1 - sse/sst
}
