// Package experiments runs a goal-misgeneralization experiment described by
// a config (package experiments/config): it lays out the run directory,
// runs the stages train → eval → interp → audit → report with resumable
// markers, per-shard locks and a manifest, and counts evaluated episodes
// into failure-rate, paired, preference and pursuit tables with Wilson
// intervals.
//
// The stages are plain functions in this package (TrainStage, EvalStage,
// InterpStage, AuditStage, ReportStage, collected by StandardStages);
// each calls the package that does the work (agents, interp/study, audit,
// viz/report). Tests substitute fakes through the Stages struct.
package experiments
