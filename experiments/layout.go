package experiments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/schema"
)

// Layout names the files of one run directory: schema.RunLayout, the only
// source of paths. Every stage reads and writes only through these names,
// so any stage can be re-run on its own.
type Layout = schema.RunLayout

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

// ManifestPath is the manifest of shard s in r's directory
// (schema.RunLayout.Manifest).
func (r *Run) ManifestPath(s Shard) string { return r.Layout.Manifest(s.Index, s.Count) }

// LockPath is the run lock of shard s in r's directory (see AcquireLock;
// schema.RunLayout.Lock).
func (r *Run) LockPath(s Shard) string { return r.Layout.Lock(s.Index, s.Count) }

// ReadRunRows reads a run directory's tables/failure_rates.json, labelled
// "<experiment>[/<point>]@<profile>" from its resolved.toml (or the
// directory name when that is missing), ready for tables.MergeRows, with
// its sweep point and its game's success and proxy outcomes.
func ReadRunRows(dir string) (tables.RunRows, error) {
	l := Layout{Dir: dir}
	rows, err := schema.ReadRowsJSON(l.FailureRatesJSON())
	if err != nil {
		return tables.RunRows{}, err
	}
	rr := tables.RunRows{Rows: rows}
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
			return tables.RunRows{}, fmt.Errorf("%s: %w", l.ResolvedConfig(), err)
		}
		e := head.Experiment
		if success, proxy, err := envs.DefaultOutcomes(head.Env.Game); err == nil {
			rr.Success, rr.Proxy = success, proxy
		}
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
