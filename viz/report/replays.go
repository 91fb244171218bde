package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/palette"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay"
)

// gifMaxFrames bounds the frames of each report GIF, so a 1000-step
// episode stays a few hundred kilobytes.
const gifMaxFrames = 120

// roles names the game's success and proxy outcomes.
type roles struct {
	Success, Proxy string
	Known          bool // the game is registered
}

// gameRoles looks the game's outcomes up in the registry.
func gameRoles(game string) roles {
	success, proxy, err := envs.DefaultOutcomes(game)
	return roles{Success: string(success), Proxy: string(proxy), Known: err == nil}
}

// palette is r in the palette's terms.
func (r roles) palette() palette.Outcomes {
	return palette.Outcomes{Success: r.Success, Proxy: r.Proxy}
}

// replaySet is what the replays directory held.
type replaySet struct {
	Dir      string
	Files    int
	Episodes []replayEpisode
	Rejected []string // episodes that failed verification, with the reason
}

type replayEpisode struct {
	Path string
	Ep   replay.Episode
}

// readReplays reads every replay file in dir and one level below. Files
// that are not replays (another magic) are skipped; a replay file that is
// corrupt is an error naming it. Episodes whose re-simulation disagrees
// with the recording (game code changed) are listed in Rejected.
func readReplays(dir string) (*replaySet, error) {
	s := &replaySet{Dir: dir}
	paths, err := filesTwoDeep(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		eps, err := replay.Read(p)
		if errors.Is(err, replay.ErrBadMagic) {
			continue
		}
		if err != nil {
			return nil, err // names the file
		}
		s.Files++
		for i := range eps {
			if err := replay.Verify(&eps[i]); err != nil {
				s.Rejected = append(s.Rejected, fmt.Sprintf("%s episode %d (%s): %v", filepath.Base(p), i, &eps[i], err))
				continue
			}
			s.Episodes = append(s.Episodes, replayEpisode{p, eps[i]})
		}
	}
	return s, nil
}

// typical picks the episode of median length among those keep accepts,
// ties broken by file order; ok is false when none qualifies.
func (s *replaySet) typical(keep func(*replay.Episode) bool) (replayEpisode, int, bool) {
	var pool []replayEpisode
	for _, e := range s.Episodes {
		if keep(&e.Ep) {
			pool = append(pool, e)
		}
	}
	if len(pool) == 0 {
		return replayEpisode{}, 0, false
	}
	sort.SliceStable(pool, func(i, j int) bool { return len(pool[i].Ep.Steps) < len(pool[j].Ep.Steps) })
	return pool[(len(pool)-1)/2], len(pool), true
}

// episodeGIF renders e as an animated GIF.
func episodeGIF(e *replayEpisode) ([]byte, error) {
	var buf bytes.Buffer
	if err := render.WriteGIF(&buf, &e.Ep, render.GIFOptions{MaxFrames: gifMaxFrames}); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return buf.Bytes(), nil
}
