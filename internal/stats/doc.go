// Package stats is the audit's inference: rank correlations, cluster
// bootstrap intervals, within-cluster permutation tests, split-half
// reliability and disattenuation, Holm adjustment, equivalence (TOST)
// tests, paired proportions and leave-one-out calibration (lines and
// ridge).
//
// Conventions shared by every function:
//
//   - Units are agents; clusters are training configs. A clusters slice
//     labels each unit with an arbitrary int. nil means no clustering: in
//     resampling and leave-out procedures every unit is its own cluster,
//     in within-cluster statistics all units form one cluster.
//   - Intervals are 95 % unless a name or doc says otherwise (the TOST
//     functions return 90 % bounds, as the test's duality needs).
//   - A statistic that is undefined is NaN, never 0. In the correlation,
//     reliability, test and interval functions a NaN input value makes the
//     result NaN (drop missing units first, e.g. with Complete). The
//     calibration functions (FitLine excepted) instead exclude units with
//     missing values from every fit, as the audit's calibration always has.
//   - Every random procedure takes an explicit seed and draws from a
//     math/rand/v2 PCG generator, so results are reproducible.
//   - Functions panic only on programmer error: slices whose lengths
//     should agree and do not, or counts outside their range.
package stats
