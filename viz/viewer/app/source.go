// Package app is everything in the viewer that needs no window: command
// line parsing, finding and loading replays, mapping variant names to game
// configs for live play, keyboard-to-action mapping, composing the shown
// image from the controller state, and the headless screenshot and GIF
// exports. The ebiten front end (package viewer) only turns input events
// into calls here and puts the composed image on screen, so this package
// is tested with plain `go test`, without a display.
package app

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/viewer/control"
)

// ReplayFiles resolves a viewer argument: a replay file itself, or a run
// directory whose replays/ subdirectory (or, failing that, the directory
// itself) holds *.replay files, in name order.
func ReplayFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	for _, dir := range []string{filepath.Join(path, "replays"), path} {
		files, err := filepath.Glob(filepath.Join(dir, "*"+replay.Ext))
		if err != nil {
			return nil, err
		}
		if len(files) > 0 {
			sort.Strings(files)
			return files, nil
		}
	}
	return nil, fmt.Errorf("viewer: no %s files in %s or %s", replay.Ext, filepath.Join(path, "replays"), path)
}

// LoadEpisodes loads and verifies (replay.Load) every episode of the
// replay files that path names, in file order.
func LoadEpisodes(path string) ([]replay.Episode, error) {
	files, err := ReplayFiles(path)
	if err != nil {
		return nil, err
	}
	var eps []replay.Episode
	for _, f := range files {
		got, err := replay.Load(f)
		if err != nil {
			return nil, err
		}
		eps = append(eps, got...)
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("viewer: %s holds no episodes", path)
	}
	return eps, nil
}

// ControlEpisodes describes eps for the controller.
func ControlEpisodes(eps []replay.Episode) []control.Episode {
	out := make([]control.Episode, len(eps))
	for i := range eps {
		ep := &eps[i]
		out[i] = control.Episode{
			ID: ep.ID(), Variant: ep.Variant, TrainSeed: ep.TrainSeed,
			LevelSeed: ep.LevelSeed, Outcome: ep.Outcome, Steps: len(ep.Steps),
		}
	}
	return out
}
