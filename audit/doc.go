// Package audit predicts each agent's out-of-distribution failure from
// in-distribution access alone, and validates those predictions on
// populations of agents.
//
// # The audit setting
//
// An auditor receives a trained agent, the training-variant environment and
// the weights (Subject, AuditEnv): no OOD level, no OOD config. AuditEnv has
// no field that could hold one, so every statistic is by construction a
// function of the weights and of training-variant levels. A black-box
// statistic reads only rollouts on training-variant levels (actions,
// values, outcomes); a white-box statistic may also read weights,
// activations and gradients and feed observations edited from
// training-variant states (one object channel erased, moved or added).
// Each Statistic lists exactly what it touches (Access).
//
// # Steps
//
//  1. Collect: roll the agent out on held-out training-variant levels
//     (AuditLevels) and keep every observation with its action
//     distribution and value. Episodes are split by level into a selection
//     half and a test half: anything chosen from data (a probe layer, a
//     ridge penalty, an SAE latent) is chosen on selection levels and
//     scored on test levels.
//  2. Measure: every Statistic is a function of (policy, collected data,
//     channel roles, options), so it can be recomputed on a modified policy
//     (a reparametrised or fine-tuned one) with MeasurePolicy.
//  3. Validate, afterwards and separately: the measured OOD rates of the
//     same agents, read from the normal evaluation outputs by the caller,
//     are compared with each statistic (Spearman ρ with bootstrap
//     intervals, within-group ρ, leave-one-out calibrated predictions).
//     Validate never feeds OOD results back into a statistic; the only
//     choice made with them, which statistic predicts a held-out agent, is
//     made by nested leave-one-out (NestedLOO).
package audit
