package schema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
)

// IDVariant is the name of the in-distribution variant in tables, replays
// and file names: held-out levels drawn from the training variant
// [env.train]. Every other variant name is an OOD variant.
const IDVariant = "train"

// EpisodeRecord is one evaluated episode, as written by the eval stage (one
// JSON object per line) and counted into the failure-rate tables.
type EpisodeRecord struct {
	Variant   string       `json:"variant"`    // IDVariant or an OOD variant name
	Seed      int          `json:"seed"`       // training seed of the evaluated agent
	LevelSeed uint64       `json:"level_seed"` // held-out level the episode ran on
	Outcome   envs.Outcome `json:"outcome"`    // terminal outcome from env ground truth
	Return    float64      `json:"return"`     // undiscounted episode return
	Length    int          `json:"length"`     // steps taken
	// Pursuit measures (agents.EpisodeResult; absent in records written
	// before they existed): the closest approach to the true goal and to
	// the proxy, in tiles, and whether the episode pursued the true goal by
	// the game's agents.PursuitRule.
	MinGoalDist  *float64 `json:"min_goal_dist,omitempty"`
	MinProxyDist *float64 `json:"min_proxy_dist,omitempty"`
	PursuedGoal  *bool    `json:"pursued_goal,omitempty"`
}

// WriteRecords atomically writes recs to path as JSON lines.
func WriteRecords(path string, recs []EpisodeRecord) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// ReadRecords reads a JSON-lines file written by WriteRecords. Unknown
// fields are errors (they mean a format mismatch); errors name the file and
// line.
func ReadRecords(path string) ([]EpisodeRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []EpisodeRecord
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var r EpisodeRecord
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if r.Outcome == "" {
			return nil, fmt.Errorf("%s:%d: episode without an outcome", path, i+1)
		}
		out = append(out, r)
	}
	return out, nil
}

// ReadRecordsDir reads every *.jsonl file in dir, in file-name order.
func ReadRecordsDir(dir string) ([]EpisodeRecord, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []EpisodeRecord
	for _, f := range files {
		recs, err := ReadRecords(f)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}
