package audit

// Interval is a point estimate with a 95% interval. Lo and Hi are NaN when
// the interval cannot be computed (too few usable resamples). It is
// internal/stats' Interval with the audit's JSON encoding (NaN as null,
// num.go).
type Interval struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// BootstrapOptions fix the validation's cluster bootstrap
// (internal/stats.ClusterBootstrap): Resamples draws from a PCG generator
// seeded by Seed.
type BootstrapOptions struct {
	Resamples int
	Seed      uint64
}

// DefaultBootstrap is the audit's bootstrap: 2000 resamples, seed 1.
var DefaultBootstrap = BootstrapOptions{Resamples: 2000, Seed: 1}
