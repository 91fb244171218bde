package agents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/misgen/misgen/internal/atomicfile"
)

// Metric is a logged number; NaN (e.g. no episode finished in an update,
// explained variance of constant targets) is written as JSON null and
// read back as NaN.
type Metric float64

// MarshalJSON writes NaN and ±Inf as null.
func (m Metric) MarshalJSON() ([]byte, error) {
	f := float64(m)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (m *Metric) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = Metric(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*m = Metric(f)
	return err
}

// LogRow is one PPO update in train.jsonl / train.csv. Episodes counts the
// training episodes that ended during this update's rollout; the episode
// columns (return, length, success) are means over the 100 most recent
// finished episodes, across rollouts (like SB3's ep_info_buffer), with raw,
// unnormalised rewards; null until the first episode ends. Loss columns are
// means over the update's minibatches. StepsPerS is the only wall-clock
// column.
type LogRow struct {
	Update            int    `json:"update"`
	GlobalStep        int64  `json:"global_step"`
	Episodes          int    `json:"episodes"` // ended in this update's rollout
	EpisodicReturn    Metric `json:"episodic_return"`
	EpisodicLength    Metric `json:"episodic_length"`
	SuccessRate       Metric `json:"success_rate"`
	PolicyLoss        Metric `json:"policy_loss"`
	ValueLoss         Metric `json:"value_loss"`
	Entropy           Metric `json:"entropy"`
	ApproxKL          Metric `json:"approx_kl"`
	ClipFrac          Metric `json:"clip_frac"`
	ExplainedVariance Metric `json:"explained_variance"`
	LearningRate      Metric `json:"learning_rate"`
	StepsPerS         Metric `json:"steps_per_s"`
}

// logColumns are the CSV header, in LogRow field order.
var logColumns = []string{"update", "global_step", "episodes", "episodic_return", "episodic_length", "success_rate",
	"policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac", "explained_variance", "learning_rate", "steps_per_s"}

func (r LogRow) csvFields() []string {
	f := func(m Metric) string { return strconv.FormatFloat(float64(m), 'g', -1, 64) }
	return []string{strconv.Itoa(r.Update), strconv.FormatInt(r.GlobalStep, 10), strconv.Itoa(r.Episodes),
		f(r.EpisodicReturn), f(r.EpisodicLength), f(r.SuccessRate), f(r.PolicyLoss), f(r.ValueLoss), f(r.Entropy),
		f(r.ApproxKL), f(r.ClipFrac), f(r.ExplainedVariance), f(r.LearningRate), f(r.StepsPerS)}
}

// CSVPath is the CSV log written beside a JSONL log path.
func CSVPath(jsonlPath string) string {
	return strings.TrimSuffix(jsonlPath, filepath.Ext(jsonlPath)) + ".csv"
}

// ReadTrainLog reads a train.jsonl file. A torn last line (a crash while
// appending) is dropped; any other undecodable line is an error naming the
// file and line.
func ReadTrainLog(path string) ([]LogRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(b, []byte("\n"))
	var rows []LogRow
	for i, ln := range lines {
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		var r LogRow
		if err := json.Unmarshal(ln, &r); err != nil {
			if i == len(lines)-1 { // no trailing newline: torn write
				break
			}
			return nil, fmt.Errorf("agents: %s line %d: %w", path, i+1, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// trainLog appends rows to the JSONL and CSV logs.
type trainLog struct {
	jsonl, csv *os.File
	jw, cw     *bufio.Writer
}

// openTrainLog opens the logs for appending. With keepUpTo >= 0 the existing
// JSONL rows with update <= keepUpTo are kept (resume: rows logged after the
// checkpoint are dropped, as the resumed run logs them again) and both files
// are rewritten atomically from them; with keepUpTo < 0 both start empty.
func openTrainLog(path string, keepUpTo int) (*trainLog, error) {
	var kept []LogRow
	if keepUpTo >= 0 {
		rows, err := ReadTrainLog(path)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, r := range rows {
			if r.Update <= keepUpTo {
				kept = append(kept, r)
			}
		}
	}
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		for _, r := range kept {
			if err := writeJSONRow(w, r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(CSVPath(path), 0o644, func(w io.Writer) error {
		fmt.Fprintln(w, strings.Join(logColumns, ","))
		for _, r := range kept {
			fmt.Fprintln(w, strings.Join(r.csvFields(), ","))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	l := &trainLog{}
	var err error
	if l.jsonl, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return nil, err
	}
	if l.csv, err = os.OpenFile(CSVPath(path), os.O_WRONLY|os.O_APPEND, 0); err != nil {
		l.jsonl.Close()
		return nil, err
	}
	l.jw, l.cw = bufio.NewWriter(l.jsonl), bufio.NewWriter(l.csv)
	return l, nil
}

func writeJSONRow(w io.Writer, r LogRow) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// append writes one row to both files and flushes them (rows are small and
// one per update, so flushing each keeps the logs current for watchers).
func (l *trainLog) append(r LogRow) error {
	if err := writeJSONRow(l.jw, r); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(l.cw, strings.Join(r.csvFields(), ",")); err != nil {
		return err
	}
	if err := l.jw.Flush(); err != nil {
		return err
	}
	return l.cw.Flush()
}

// sync makes the logs durable (called before each checkpoint so a resumed
// run finds every row up to the checkpoint).
func (l *trainLog) sync() error {
	if err := l.jsonl.Sync(); err != nil {
		return err
	}
	return l.csv.Sync()
}

func (l *trainLog) close() error {
	err1 := l.jsonl.Close()
	err2 := l.csv.Close()
	if err1 != nil {
		return err1
	}
	return err2
}
