package experiments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/palette"
)

// Layout names the files of one run directory,
// results/<experiment>[/<sweep point>]/<run-id>/. Every stage reads and
// writes only through these names, so any stage can be re-run on its own.
type Layout struct{ Dir string }

// RunDir is the run directory of c under the results root out.
func RunDir(out string, c *Config) (string, error) {
	id, err := c.RunID()
	if err != nil {
		return "", err
	}
	parts := []string{out, c.Experiment.Name}
	if c.Experiment.Point != "" {
		parts = append(parts, c.Experiment.Point)
	}
	return filepath.Join(append(parts, id)...), nil
}

// ResolvedConfig is the config with profile and defaults applied.
func (l Layout) ResolvedConfig() string { return filepath.Join(l.Dir, "resolved.toml") }

// ManifestPath is manifest.json, or manifest.shard-<i>-of-<n>.json for a
// sharded run (shards may share the directory).
func (l Layout) ManifestPath(s Shard) string {
	if s.Count <= 1 {
		return filepath.Join(l.Dir, "manifest.json")
	}
	return filepath.Join(l.Dir, fmt.Sprintf("manifest.shard-%d-of-%d.json", s.Index, s.Count))
}

// LockPath is the run lock of one shard (see AcquireLock): .lock, or
// .lock.shard-<i>-of-<n> for a sharded run, so shards of one directory run
// side by side while two processes on the same shard do not.
func (l Layout) LockPath(s Shard) string {
	if s.Count <= 1 {
		return filepath.Join(l.Dir, ".lock")
	}
	return filepath.Join(l.Dir, fmt.Sprintf(".lock.shard-%d-of-%d", s.Index, s.Count))
}

// Logs is the directory of training logs.
func (l Layout) Logs() string { return filepath.Join(l.Dir, "logs") }

// TrainLog is the JSON-lines training log of one seed.
func (l Layout) TrainLog(seed int) string {
	return filepath.Join(l.Logs(), fmt.Sprintf("train-seed-%d.jsonl", seed))
}

// Checkpoints is the checkpoint directory of one training seed.
func (l Layout) Checkpoints(seed int) string {
	return filepath.Join(l.Dir, "checkpoints", fmt.Sprintf("seed-%d", seed))
}

// OutcomesDir holds one JSON-lines file of EpisodeRecords per (seed, variant).
func (l Layout) OutcomesDir() string { return filepath.Join(l.Dir, "eval", "outcomes") }

// Outcomes is the EpisodeRecord file of one (seed, variant).
func (l Layout) Outcomes(seed int, variant string) string {
	return filepath.Join(l.OutcomesDir(), fmt.Sprintf("seed-%d.%s.jsonl", seed, variant))
}

// Replays is the directory of saved replays.
func (l Layout) Replays() string { return filepath.Join(l.Dir, "replays") }

// Activations is the directory of captured activations.
func (l Layout) Activations() string { return filepath.Join(l.Dir, "activations") }

// Interp is the directory of interpretability outputs.
func (l Layout) Interp() string { return filepath.Join(l.Dir, "interp") }

// Tables is the directory of failure_rates.{md,csv,json} and other tables.
func (l Layout) Tables() string { return filepath.Join(l.Dir, "tables") }

// Plots is the directory of PNG plots.
func (l Layout) Plots() string { return filepath.Join(l.Dir, "plots") }

// Report is the HTML report.
func (l Layout) Report() string { return filepath.Join(l.Dir, "report.html") }

// Markers is the directory of stage and job done-markers.
func (l Layout) Markers() string { return filepath.Join(l.Dir, ".done") }

// ReadRunRows reads a run directory's tables/failure_rates.json, labelled
// "<experiment>[/<point>]@<profile>" from its resolved.toml (or the
// directory name when that is missing), ready for MergeRows, with its sweep
// point.
func ReadRunRows(dir string) (RunRows, error) {
	l := Layout{dir}
	rows, err := schema.ReadRowsJSON(filepath.Join(l.Tables(), FailureRatesJSON))
	if err != nil {
		return RunRows{}, err
	}
	rr := RunRows{Rows: rows}
	label := filepath.Base(filepath.Clean(dir))
	if src, err := os.ReadFile(l.ResolvedConfig()); err == nil {
		// Only the identity is needed; the game need not be registered.
		var head struct {
			Experiment struct {
				Name, Profile, Point string
			} `toml:"experiment"`
			Env struct {
				Game string
			} `toml:"env"`
		}
		if _, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&head); err != nil {
			return RunRows{}, fmt.Errorf("%s: %w", l.ResolvedConfig(), err)
		}
		e := head.Experiment
		rr.Roles, _ = palette.RolesOf(head.Env.Game)
		label, rr.Point = e.Name, e.Point
		if e.Point != "" {
			label += "/" + e.Point
		}
		if e.Profile != "" {
			label += "@" + e.Profile
		}
	}
	rr.Label = label
	return rr, nil
}
