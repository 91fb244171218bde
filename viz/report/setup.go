package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/schema"
)

// setup is what the report shows about how the run was made.
type setup struct {
	Name, Description, Game, Profile, Point, Title string
	Seeds                                          []int
	Episodes                                       int    // eval.episodes per (seed, variant), 0 when unknown
	Control                                        string // audit.control: the OOD variant with the goal hidden, "" when none
	Resolved                                       string // resolved.toml text, "" when missing
	ResolvedPath                                   string
	Manifests                                      []manifest
}

// manifest is one of the run's manifests (schema.Manifest) with its path.
type manifest struct {
	Path string
	schema.Manifest
}

// stageOrder is the pipeline order for listing stage times.
var stageOrder = []string{"train", "eval", "interp", "audit", "report"}

// stageTime is one stage's duration, for the setup table.
type stageTime struct {
	Name     string
	Duration time.Duration
}

// StageTimes lists m's recorded stages in pipeline order (unknown stages
// last, sorted by name).
func (m *manifest) StageTimes() []stageTime {
	var names []string
	for n := range m.Stages {
		names = append(names, n)
	}
	rank := func(n string) int {
		for i, s := range stageOrder {
			if s == n {
				return i
			}
		}
		return len(stageOrder)
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	out := make([]stageTime, len(names))
	for i, n := range names {
		st := m.Stages[n]
		out[i] = stageTime{n, st.FinishedAt.Sub(st.StartedAt)}
	}
	return out
}

// Elapsed is the wall-clock time from the run's first start to its finish
// or, while unfinished, to the last recorded stage end; 0 when unknown.
func (m *manifest) Elapsed() time.Duration {
	end := time.Time{}
	if m.FinishedAt != nil {
		end = *m.FinishedAt
	}
	for _, st := range m.Stages {
		if st.FinishedAt.After(end) {
			end = st.FinishedAt
		}
	}
	if end.IsZero() || m.StartedAt.IsZero() {
		return 0
	}
	return end.Sub(m.StartedAt)
}

// readSetup reads resolved.toml and the manifests. Both may be missing.
func readSetup(f Files) (*setup, error) {
	s := &setup{ResolvedPath: f.ResolvedConfig()}
	src, err := os.ReadFile(f.ResolvedConfig())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		s.Resolved = string(src)
		var head struct {
			Experiment struct {
				Name, Description, Profile, Point string
				Seeds                             any
			} `toml:"experiment"`
			Env struct {
				Game string `toml:"game"`
			} `toml:"env"`
			Eval struct {
				Episodes int `toml:"episodes"`
			} `toml:"eval"`
			Report struct {
				Title string `toml:"title"`
			} `toml:"report"`
			Audit struct {
				Control string `toml:"control"`
			} `toml:"audit"`
		}
		if _, err := toml.Decode(s.Resolved, &head); err != nil {
			return nil, fmt.Errorf("%s: %w", f.ResolvedConfig(), err)
		}
		e := head.Experiment
		s.Name, s.Description, s.Profile, s.Point = e.Name, e.Description, e.Profile, e.Point
		s.Game, s.Episodes, s.Title = head.Env.Game, head.Eval.Episodes, head.Report.Title
		s.Control = head.Audit.Control
		s.Seeds, err = seedList(e.Seeds)
		if err != nil {
			return nil, fmt.Errorf("%s: experiment.seeds: %w", f.ResolvedConfig(), err)
		}
	}
	paths, err := filepath.Glob(f.ManifestGlob())
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		m := manifest{Path: p}
		if err := json.Unmarshal(data, &m.Manifest); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		s.Manifests = append(s.Manifests, m)
	}
	if s.Name == "" && len(s.Manifests) > 0 {
		s.Name, s.Profile = s.Manifests[0].Experiment, s.Manifests[0].Profile
	}
	if s.Name == "" {
		s.Name = filepath.Base(filepath.Clean(f.Dir))
	}
	return s, nil
}

// seedList interprets experiment.seeds: a count N (seeds 0..N-1) or a list.
func seedList(v any) ([]int, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case int64:
		out := make([]int, v)
		for i := range out {
			out[i] = i
		}
		return out, nil
	case []any:
		out := make([]int, len(v))
		for i, x := range v {
			n, ok := x.(int64)
			if !ok {
				return nil, fmt.Errorf("element %d is %v, want an integer", i, x)
			}
			out[i] = int(n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%v: want a count or a list of integers", v)
}
