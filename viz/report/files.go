package report

import (
	"path/filepath"
	"sort"
)

// Files names the inputs and the output of a report inside one run
// directory. DefaultFiles gives the names package experiments writes.
type Files struct {
	Dir            string
	ResolvedConfig string // resolved.toml
	ManifestGlob   string // manifest.json and shard manifests
	LogsDir        string // per-seed training logs (*.jsonl)
	FailureRates   string // tables/failure_rates.json
	PlotsDir       string // learning_curves.png, failure_rates.png
	ReplaysDir     string
	InterpDir      string
	AuditJSON      string // audit/audit.json: the population audit's verdict
	// PredictionsJSON is audit/predictions.json: the run's seeds judged
	// by a population's calibration (audit.calibration).
	PredictionsJSON string
	CircumventJSON  string // audit/circumvention.json: the audit's stress test
	Report          string // the output, report.html
}

// Plot file names inside Files.PlotsDir.
const (
	LearningCurvesPNG = "learning_curves.png"
	FailureBarsPNG    = "failure_rates.png"
)

// DefaultFiles returns the standard layout of the run directory dir.
func DefaultFiles(dir string) Files {
	return Files{
		Dir:             dir,
		ResolvedConfig:  filepath.Join(dir, "resolved.toml"),
		ManifestGlob:    filepath.Join(dir, "manifest*.json"),
		LogsDir:         filepath.Join(dir, "logs"),
		FailureRates:    filepath.Join(dir, "tables", "failure_rates.json"),
		PlotsDir:        filepath.Join(dir, "plots"),
		ReplaysDir:      filepath.Join(dir, "replays"),
		InterpDir:       filepath.Join(dir, "interp"),
		AuditJSON:       filepath.Join(dir, "audit", "audit.json"),
		PredictionsJSON: filepath.Join(dir, "audit", "predictions.json"),
		CircumventJSON:  filepath.Join(dir, "audit", "circumvention.json"),
		Report:          filepath.Join(dir, "report.html"),
	}
}

// rel is path relative to the run directory, for citing sources in the
// page (falls back to path itself).
func (f Files) rel(path string) string {
	r, err := filepath.Rel(f.Dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// filesTwoDeep lists the files and folders of dir and of its direct
// subfolders, sorted: the layout of interp/ and replays/.
func filesTwoDeep(dir string) ([]string, error) {
	var paths []string
	for _, pat := range []string{"*", "*/*"} {
		p, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		paths = append(paths, p...)
	}
	sort.Strings(paths)
	return paths, nil
}
