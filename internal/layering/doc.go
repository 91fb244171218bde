// Package layering holds no code: its test states misgen's import rules
// (which packages may depend on which) and checks them over the whole
// module with `go list`, so a change that draws in the wrong direction
// fails `go test` instead of growing a cycle of convenience imports.
//
// The layers, bottom up: internal/* and schema (result types), envs (the
// games), agents (policies and PPO on libtorch) with agents/probe (the
// probing toolkit), the analyses (interp, audit, circumvent) which return
// data, viz (drawing and viewing, which imports no analysis), and
// experiments and cmd, which call analyses and drawing. Config decoding
// (experiments/config, agents/agentconfig, interp/saeconfig) is torch-free,
// and so are the behaviour tables (experiments/tables), which sit below
// the pipeline and above schema.
// interp's algorithms import neither agents nor envs themselves (schema,
// which they use, knows envs' outcome names).
package layering
