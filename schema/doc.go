// Package schema is the one home of misgen's result file formats and of
// the run directory's layout (RunLayout): the per-episode evaluation
// records (eval/outcomes/*.jsonl), the failure-rate, pursuit, paired and
// preference rows (tables/*), the manifests, the training-log rows
// (logs/*.jsonl), the interp stage's summary (interp/summary.json), the
// population audit and its predictions (audit/audit.json,
// audit/predictions.json), the circumvention report
// (audit/circumvention.json), the figure data analyses return for
// viz/plot to draw, and the interp stage's tables-and-prose documents
// (InterpSummary.Documents, held as schema/doc blocks and written as
// interp/*.md). The packages that write these files (experiments,
// agents, audit, circumvent, interp) and those that read them
// (viz/report, viz/plot, exports) use the types from here, so there is one
// definition of each field; EncodeJSON and EncodeJSONLine are the one
// encoding of the JSON files.
//
// The package holds data types, their encoders and decoders, and the
// small statistics that belong to a field (the Wilson interval of a rate).
// It imports nothing from misgen but envs' Outcome type and internal
// helpers, and nothing that links libtorch.
package schema
