package schema

import (
	"fmt"
	"path/filepath"
)

// RunLayout names the files of one run directory,
// results/<experiment>[/<sweep point>]/<run-id>/: the one definition of
// every path the pipeline writes and the report reads, so any stage can be
// re-run on its own.
type RunLayout struct{ Dir string }

// ResolvedConfig is the config with profile and defaults applied.
func (l RunLayout) ResolvedConfig() string { return filepath.Join(l.Dir, "resolved.toml") }

// Manifest is manifest.json, or manifest.shard-<index>-of-<count>.json for
// a sharded run (count > 1; shards may share the directory).
func (l RunLayout) Manifest(index, count int) string {
	if count <= 1 {
		return filepath.Join(l.Dir, "manifest.json")
	}
	return filepath.Join(l.Dir, fmt.Sprintf("manifest.shard-%d-of-%d.json", index, count))
}

// ManifestGlob matches the run's manifest and its shards' manifests.
func (l RunLayout) ManifestGlob() string { return filepath.Join(l.Dir, "manifest*.json") }

// Lock is the run lock of one shard: .lock, or .lock.shard-<index>-of-<count>
// for a sharded run, so shards of one directory run side by side while two
// processes on the same shard do not.
func (l RunLayout) Lock(index, count int) string {
	if count <= 1 {
		return filepath.Join(l.Dir, ".lock")
	}
	return filepath.Join(l.Dir, fmt.Sprintf(".lock.shard-%d-of-%d", index, count))
}

// Logs is the directory of training logs.
func (l RunLayout) Logs() string { return filepath.Join(l.Dir, "logs") }

// TrainLog is the JSON-lines training log of one seed.
func (l RunLayout) TrainLog(seed int) string {
	return filepath.Join(l.Logs(), fmt.Sprintf("train-seed-%d.jsonl", seed))
}

// Checkpoints is the checkpoint directory of one training seed.
func (l RunLayout) Checkpoints(seed int) string {
	return filepath.Join(l.Dir, "checkpoints", fmt.Sprintf("seed-%d", seed))
}

// OutcomesDir holds one JSON-lines file of EpisodeRecords per (seed, variant).
func (l RunLayout) OutcomesDir() string { return filepath.Join(l.Dir, "eval", "outcomes") }

// Outcomes is the EpisodeRecord file of one (seed, variant).
func (l RunLayout) Outcomes(seed int, variant string) string {
	return filepath.Join(l.OutcomesDir(), fmt.Sprintf("seed-%d.%s.jsonl", seed, variant))
}

// Replays is the directory of saved replays.
func (l RunLayout) Replays() string { return filepath.Join(l.Dir, "replays") }

// Activations is the directory of captured activations.
func (l RunLayout) Activations() string { return filepath.Join(l.Dir, "activations") }

// Interp is the directory of interpretability outputs.
func (l RunLayout) Interp() string { return filepath.Join(l.Dir, "interp") }

// Tables is the directory of failure_rates.{md,csv,json} and other tables.
func (l RunLayout) Tables() string { return filepath.Join(l.Dir, "tables") }

// FailureRatesJSON is tables/failure_rates.json, the failure-rate rows.
func (l RunLayout) FailureRatesJSON() string { return filepath.Join(l.Tables(), "failure_rates.json") }

// Plots is the directory of PNG plots.
func (l RunLayout) Plots() string { return filepath.Join(l.Dir, "plots") }

// Report is the HTML report.
func (l RunLayout) Report() string { return filepath.Join(l.Dir, "report.html") }

// Markers is the directory of stage and job done-markers.
func (l RunLayout) Markers() string { return filepath.Join(l.Dir, ".done") }

// AuditDir is the directory of the run's audit outputs.
func (l RunLayout) AuditDir() string { return filepath.Join(l.Dir, "audit") }

// AuditStats is the audit statistics (before any OOD result was read) of
// one seed.
func (l RunLayout) AuditStats(seed int) string {
	return filepath.Join(l.AuditDir(), "agents", fmt.Sprintf("seed-%d.json", seed))
}

// AuditMeasured is the measured OOD targets of one seed.
func (l RunLayout) AuditMeasured(seed int) string {
	return filepath.Join(l.AuditDir(), "measured", fmt.Sprintf("seed-%d.json", seed))
}

// AuditJSON is audit/audit.json, a population audit (AuditResult).
func (l RunLayout) AuditJSON() string { return filepath.Join(l.AuditDir(), "audit.json") }

// PredictionsJSON is audit/predictions.json: the run's seeds judged by a
// population's calibration (AuditPredictions).
func (l RunLayout) PredictionsJSON() string { return filepath.Join(l.AuditDir(), "predictions.json") }

// CircumventionJSON is audit/circumvention.json, the audit's stress test
// (CircumventionReport).
func (l RunLayout) CircumventionJSON() string {
	return filepath.Join(l.AuditDir(), "circumvention.json")
}

// CircumventDir is where the stress test's attacked agents of one seed are
// stored (checkpoints, ignored by git).
func (l RunLayout) CircumventDir(seed int) string {
	return filepath.Join(l.AuditDir(), "circumvent", fmt.Sprintf("seed-%d", seed))
}
