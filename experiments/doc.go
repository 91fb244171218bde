// Package experiments is the pipeline: it runs a goal-misgeneralization
// experiment described by a config (decoded by the torch-free package
// experiments/config). Plan expands the config's sweep into runs and
// shards their jobs; Run.Execute takes a run directory's lock, writes
// resolved.toml and the manifest (build, machine, sessions, stage times)
// and runs the per-run stages train → eval → interp → audit → report with
// resumable done-markers; ExecutePopulation runs them on every run of a
// population and then the population stage, which validates the audit
// over all their agents (audit-<profile>/) and writes each run's report
// once. Every path comes from the run-directory layout (schema.RunLayout,
// aliased as Layout).
//
// The stages are plain functions in this package (TrainStage, EvalStage,
// InterpStage, AuditStage, ReportStage, collected by StandardStages, and
// Stages.PopulationStage); each calls the packages that do the work
// (agents, interp/study, audit, circumvent) and the drawing (viz/plot,
// viz/render, viz/report). The behaviour tables (failure rates, pursuit,
// paired variants, goal preference) are counted by package
// experiments/tables; WriteRunTables writes them and draws their plots.
// Tests substitute fakes through the Stages struct.
package experiments
