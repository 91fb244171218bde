// Package audit predicts each agent's out-of-distribution failure from
// in-distribution access alone, and validates those predictions on
// populations of agents.
//
// # The audit game
//
// An auditor receives a trained agent and must predict whether it will
// pursue the proxy out of distribution, without OOD levels. Every agent of
// a population is audited on one canonical audit distribution (Subject,
// AuditEnv: envs.Game.Canonical applied to the training config), the same
// levels for every agent (AuditLevels), where goal and proxy coincide
// (CoinRun: the coin at the end). It is never an agent's own training mix,
// which for a mix with moved goals would be a small OOD test in disguise.
// AuditEnv has no field that could hold an OOD config.
//
// Statistics state their access level (Level; Casper et al.): black-box
// statistics read rollouts on the canonical levels (actions, values,
// outcomes); white-box ones may also read weights, activations and
// gradients and feed observations edited from canonical states (one object
// channel erased, moved or added); outside-the-box ones read the training
// config and logs (the moved-goal share every other statistic must beat).
// Each Statistic lists exactly what it touches (Access) and its expected
// sign, fixed before any validation.
//
// # Steps
//
//  1. Collect: roll the agent out on the canonical levels and keep every
//     observation with its action distribution and value. Episodes are
//     split by level into a selection half and a test half: anything
//     chosen from data (a probe layer, a ridge penalty, an SAE latent) is
//     chosen on selection levels and scored on test levels. Every
//     statistic is also measured on the even and the odd levels alone
//     (Data.Half), for its split-half reliability.
//  2. Measure: every Statistic is a function of (policy, collected data,
//     channel roles, options), so it can be recomputed on a modified policy
//     (a reparametrised or fine-tuned one) with MeasurePolicy. The caller
//     writes the agents' statistics with their hash (StatisticsHash)
//     before reading any OOD record.
//  3. Validate, afterwards and separately, on at least MinAgents agents:
//     the measured OOD targets of the same agents (chance-corrected
//     pursuit against a hidden-goal control, or the goal share; the
//     failure rate second) are compared with each statistic: Spearman ρ
//     with a cluster bootstrap over training configs, Holm-adjusted p,
//     within-config permutation tests, a seed-level test in crossed
//     designs, split-half reliabilities and attenuation ceilings,
//     leave-one-out and leave-one-config-out calibration, nested choices
//     per access level and paired |ρ| comparisons. Validate never feeds OOD
//     results back into a statistic. Predict judges agents outside a
//     population with its calibration.
package audit
