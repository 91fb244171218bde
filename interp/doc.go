// Package interp holds misgen's white-box tools for explaining goal
// misgeneralization from a policy's internals: activation capture with the
// environment's ground truth, sparse autoencoders (ReLU+L1, TopK, end-to-end),
// description-length (MDL) selection of dictionaries, feature↔concept
// statistics, latent and goal-vector interventions, bilinear-layer eigen
// analysis and polytope (ReLU sign-pattern) codes.
//
// The package holds algorithms only and imports neither agents nor envs:
// every policy-facing function takes a ModelFunc (a forward pass with a Hook
// called at each named layer) or a caller-provided rollout function, so
// everything can be tested with tiny synthetic models built from
// internal/torch ops. The pipeline stage that rolls a trained policy out,
// captures its activations and writes the interp/ files of a run lives in
// package interp/study.
//
// Tensors follow internal/torch's conventions: a function that takes a
// *torch.Scope creates its results in that scope; long-lived tensors (SAE
// parameters) belong to the object that holds them and are released by its
// Free method.
package interp
