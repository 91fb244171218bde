// Package agents holds misgen's policies (IMPALA-style CNN, MLP, bilinear
// MLP), PPO training on libtorch through internal/torch, evaluation and
// checkpoints.
//
// The pieces:
//   - Policy (NewPolicy, LoadPolicy): one Forward path with an optional
//     Hook at every named layer, for activation capture and interventions.
//   - GAE, BootstrapTimeLimits, ExplainedVariance, PPOLoss,
//     RewardNormalizer, PPOUpdate: the steps CleanRL's ppo_procgen does
//     inline, as tested functions.
//   - Train: the CleanRL loop with per-update logs (train.jsonl and
//     train.csv; episode columns over the last 100 finished episodes), a
//     resumable checkpoint (CheckpointPath) and a NaN guard.
//   - Evaluate: one episode per held-out level, each sampling from its own
//     stream seeded by (seed, level seed), with per-step callbacks.
//
// Training and evaluation levels are kept apart: Train trains below
// envs.EvalSeedBase, Evaluate refuses levels overlapping the policy's
// training levels unless asked to evaluate them.
//
// Resuming: a checkpoint is taken at an update boundary and holds the
// parameters, Adam state, every generator's state (action sampling,
// minibatch shuffles, level draws), the reward normaliser, and for each env
// its level seed and the actions taken since its reset. Resuming replays
// those actions on freshly reset envs (the games are deterministic given
// level and actions), so a resumed run continues with exactly the
// parameters and log rows of an uninterrupted one. Training therefore steps
// its envs itself rather than through envs.VecEnv, whose level generator
// cannot be saved.
//
// Determinism: with a fixed seed and threads = 1, two runs give identical
// logs (but for steps_per_s). Train and Evaluate lock their goroutine to one
// OS thread: the shim applies the thread count on any thread, but runs that
// moved between OS threads still diverged (see Train).
package agents
