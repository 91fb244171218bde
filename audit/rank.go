package audit

// BootstrapOptions fix the validation's cluster bootstrap
// (internal/stats.ClusterBootstrap): Resamples draws from a PCG generator
// seeded by Seed.
type BootstrapOptions struct {
	Resamples int
	Seed      uint64
}

// DefaultBootstrap is the audit's bootstrap: 2000 resamples, seed 1.
var DefaultBootstrap = BootstrapOptions{Resamples: 2000, Seed: 1}
