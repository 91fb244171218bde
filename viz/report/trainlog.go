package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
)

// trainLog is one seed's training log.
type trainLog struct {
	Path    string
	Seed    int // -1 when the file name does not say
	Entries []schema.TrainLogRow
}

var seedInName = regexp.MustCompile(`seed-?(\d+)`)

// readTrainLogs reads every *.jsonl file under dir (one level of
// subdirectories included, for per-seed folders), sorted by seed.
func readTrainLogs(dir string) ([]trainLog, error) {
	var paths []string
	for _, pat := range []string{"*.jsonl", "*/*.jsonl"} {
		p, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		paths = append(paths, p...)
	}
	var logs []trainLog
	for _, p := range paths {
		l := trainLog{Path: p, Seed: -1}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			rel = p
		}
		if m := seedInName.FindStringSubmatch(filepath.ToSlash(rel)); m != nil {
			l.Seed, _ = strconv.Atoi(m[1])
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		lines := bytes.Split(data, []byte("\n"))
		for i, line := range lines {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			// Columns a log lacks read as missing (NaN), like null ones.
			e := schema.TrainLogRow{EpisodicReturn: missing, SuccessRate: missing, StepsPerS: missing}
			if err := json.Unmarshal(line, &e); err != nil {
				if i == len(lines)-1 { // no trailing newline: a write torn by a crash
					break
				}
				return nil, fmt.Errorf("%s:%d: %w", p, i+1, err)
			}
			l.Entries = append(l.Entries, e)
		}
		logs = append(logs, l)
	}
	sort.SliceStable(logs, func(i, j int) bool { return logs[i].Seed < logs[j].Seed })
	return logs, nil
}

// curves converts logs into learning-curve input for viz/plot.
func curves(logs []trainLog) []plot.Curve {
	var out []plot.Curve
	for _, l := range logs {
		c := plot.Curve{Label: filepath.Base(l.Path)}
		if l.Seed >= 0 {
			c.Label = fmt.Sprintf("seed %d", l.Seed)
		}
		for _, e := range l.Entries {
			c.Points = append(c.Points, plot.CurvePoint{Step: e.GlobalStep, Return: float64(e.EpisodicReturn), Success: float64(e.SuccessRate)})
		}
		out = append(out, c)
	}
	return out
}

// missing is a training-log number that was not logged.
var missing = schema.Metric(math.NaN())

// reported is m's value, or nil when it was not logged.
func reported(m schema.Metric) *float64 {
	if math.IsNaN(float64(m)) {
		return nil
	}
	v := float64(m)
	return &v
}

// logSummary is one seed's end-of-training numbers for the table under the
// learning curves.
type logSummary struct {
	Label                 string
	Updates               int
	Steps                 int64
	Return, Success, Rate *float64 // last reported values
}

func summarise(l trainLog) logSummary {
	s := logSummary{Label: filepath.Base(l.Path), Updates: len(l.Entries)}
	if l.Seed >= 0 {
		s.Label = fmt.Sprintf("seed %d", l.Seed)
	}
	for _, e := range l.Entries {
		s.Steps = max(s.Steps, e.GlobalStep)
		if v := reported(e.EpisodicReturn); v != nil {
			s.Return = v
		}
		if v := reported(e.SuccessRate); v != nil {
			s.Success = v
		}
		if v := reported(e.StepsPerS); v != nil {
			s.Rate = v
		}
	}
	return s
}
