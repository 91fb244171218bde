// Package probe is the toolkit that reads a policy's internals on edited
// observations: the one home of what the audit, the circumvention attacks
// and the interp stage share.
//
//   - Roles and ResolveRoles: a game's channel roles (envs.ChannelRoles,
//     names) resolved to channel indices of its observations, with each
//     action's direction of movement.
//   - Grid: the [C, H, W] layout of one symbolic observation, with the
//     edits the white-box statistics make to recorded frames (Visible,
//     Erase, FreeCells, Place, MoveTo) and GoalPairs. A live env that
//     implements envs.GoalEditor makes the same edits from its state;
//     Grid makes them from the observation alone, which is all a recorded
//     frame has.
//   - LogProbs and LayerActivations: batched forward passes without
//     autograd (agents.ForwardBatches).
//   - Ridge: the goal-position probe, a ridge regression of (dx, dy) on
//     standardised activations, with cross-validated R² (stats.R2).
//   - ChannelMass and UnitChannelMass: first-layer weight mass per input
//     channel (the parameter agents.PolicyConfig.FirstLayer names).
//   - VectorField: the policy's expected move on every open tile of a
//     Placeable game.
//
// It imports agents, envs, internal/torch and internal/stats only: no
// analysis package (audit, circumvent, interp) and nothing that draws
// (viz), so a viewer can use it without linking them.
package probe
