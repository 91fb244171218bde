package report

import (
	"path/filepath"
	"sort"

	"github.com/misgen/misgen/schema"
)

// Files names the inputs and the output of a report inside one run
// directory: schema.RunLayout, the paths package experiments writes.
type Files struct{ schema.RunLayout }

// Plot file names inside Files.Plots().
const (
	LearningCurvesPNG = "learning_curves.png"
	FailureBarsPNG    = "failure_rates.png"
)

// DefaultFiles returns the standard layout of the run directory dir.
func DefaultFiles(dir string) Files { return Files{schema.RunLayout{Dir: dir}} }

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
