// Package schema is the one home of misgen's result file formats: the
// per-episode evaluation records (eval/outcomes/*.jsonl), the failure-rate
// rows with their Wilson intervals (tables/failure_rates.*), and the interp
// stage's summary (interp/summary.json). The packages that write these files
// (experiments, interp) and those that read them (viz/report, viz/plot,
// exports) import the types from here, so there is one definition of each
// field.
//
// The package holds data types, their encoders and decoders, and the
// small statistics that belong to a field (the Wilson interval of a rate).
// It imports nothing from misgen but envs' Outcome type, and nothing that
// links libtorch.
package schema
