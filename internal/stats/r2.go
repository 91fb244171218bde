package stats

// R2 is the coefficient of determination of predictions pred of y,
// 1 − Σ(y − pred)² / Σ(y − ȳ)², with ȳ the mean of y: 1 for a perfect
// fit, 0 for predicting the mean, negative for worse. It is NaN when
// there are fewer than 2 values or y is constant. It panics if pred and
// y differ in length.
func R2(pred, y []float64) float64 {
	mustSameLen("R2", len(y), len(pred))
	if len(y) < 2 || constant(y) {
		return nan
	}
	var m float64
	for _, v := range y {
		m += v
	}
	m /= float64(len(y))
	var sse, sst float64
	for i, v := range y {
		sse += (v - pred[i]) * (v - pred[i])
		sst += (v - m) * (v - m)
	}
	if sst == 0 {
		return nan
	}
	return 1 - sse/sst
}
