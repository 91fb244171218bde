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

	"github.com/misgen/misgen/viz/plot"
)

// logEntry is the part of one training-log line the report uses; the log
// has more columns (losses, entropy, KL, ...), which are ignored here.
// Return and success are absent (or null) in updates where no episode
// finished.
type logEntry struct {
	Update         int      `json:"update"`
	GlobalStep     int64    `json:"global_step"`
	EpisodicReturn *float64 `json:"episodic_return"`
	SuccessRate    *float64 `json:"success_rate"`
	StepsPerSecond *float64 `json:"steps_per_s"`
}

// trainLog is one seed's training log.
type trainLog struct {
	Path    string
	Seed    int // -1 when the file name does not say
	Entries []logEntry
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
			var e logEntry
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
			c.Points = append(c.Points, plot.CurvePoint{Step: e.GlobalStep, Return: orNaN(e.EpisodicReturn), Success: orNaN(e.SuccessRate)})
		}
		out = append(out, c)
	}
	return out
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
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
		if e.EpisodicReturn != nil {
			s.Return = e.EpisodicReturn
		}
		if e.SuccessRate != nil {
			s.Success = e.SuccessRate
		}
		if e.StepsPerSecond != nil {
			s.Rate = e.StepsPerSecond
		}
	}
	return s
}
