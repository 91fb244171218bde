package agents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
)

// LogRow is one PPO update in train.jsonl / train.csv (schema.TrainLogRow),
// and Metric a logged number in it (schema.Metric).
type (
	LogRow = schema.TrainLogRow
	Metric = schema.Metric
)

// logColumns are the CSV header, in LogRow field order.
var logColumns = []string{"update", "global_step", "episodes", "episodic_return", "episodic_length", "success_rate",
	"policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac", "explained_variance", "learning_rate", "steps_per_s"}

func csvFields(r LogRow) []string {
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
			fmt.Fprintln(w, strings.Join(csvFields(r), ","))
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
	b, err := schema.EncodeJSONLine(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// append writes one row to both files and flushes them (rows are small and
// one per update, so flushing each keeps the logs current for watchers).
func (l *trainLog) append(r LogRow) error {
	if err := writeJSONRow(l.jw, r); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(l.cw, strings.Join(csvFields(r), ",")); err != nil {
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
