// Package stats is misgen's one home for statistics: moments (Mean,
// Variance, PopVariance) and LogSoftmax; quantiles; Pearson, Spearman and
// partial correlations; AUC; R²; plain and cluster bootstrap intervals;
// within-cluster permutation tests; split-half reliability and
// disattenuation; Holm adjustment; McNemar's exact test and paired rates;
// Wilson intervals and paired proportions; Pearson's χ² test of
// homogeneity; equivalence (TOST) tests; and leave-one-out calibration
// (lines and ridge). The audit, interp, circumvent, agents and the
// experiments' tables use it instead of their own copies.
//
// Conventions shared by every function:
//
//   - In the audit's procedures units are agents and clusters training
//     configs. A clusters slice labels each unit with an arbitrary int.
//     nil means no clustering: in resampling and leave-out procedures
//     every unit is its own cluster, in within-cluster statistics all
//     units form one cluster.
//   - Intervals are 95 % unless a name or doc says otherwise (the TOST
//     functions return 90 % bounds, as the test's duality needs).
//   - A statistic that is undefined is NaN, never 0 (one documented
//     exception: ComparePairedRates of no units). In the correlation,
//     reliability, test and interval functions a NaN input value makes the
//     result NaN (drop missing units first, e.g. with Complete). The
//     calibration functions (FitLine excepted) instead exclude units with
//     missing values from every fit, as the audit's calibration always has.
//   - Every random procedure takes an explicit seed and draws from a
//     math/rand/v2 PCG generator, so results are reproducible.
//   - Quantiles interpolate linearly (Quantile); QuantileBlend, which can
//     differ in the last bit, survives only where committed tables were
//     computed with it.
//   - Functions panic only on programmer error: slices whose lengths
//     should agree and do not, or counts outside their range.
package stats
