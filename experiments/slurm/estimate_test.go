package slurm

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/misgen/misgen/experiments"
)

func TestParseAndFormatTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"90", 90 * time.Minute},
		{"0", 0},
		{"5:30", 5*time.Minute + 30*time.Second},
		{"1:00:00", time.Hour},
		{"26:03:04", 26*time.Hour + 3*time.Minute + 4*time.Second},
		{"2-0", 48 * time.Hour},
		{"1-2:30", 26*time.Hour + 30*time.Minute},
		{"1-02:00:05", 26*time.Hour + 5*time.Second},
	} {
		got, err := ParseTime(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "UNLIMITED", "1:2:3:4", "1-2:3:4:5", "-5", "1h", "1:-2"} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", bad, got)
		}
	}
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "00:00:00"},
		{1500 * time.Millisecond, "00:00:02"},
		{time.Hour + 2*time.Minute + 3*time.Second, "01:02:03"},
		{49*time.Hour + 59*time.Second, "2-01:00:59"},
	} {
		got := FormatTime(tc.in)
		if got != tc.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.in%time.Second != 0 {
			continue
		}
		if back, err := ParseTime(got); err != nil || back != tc.in {
			t.Errorf("ParseTime(FormatTime(%v)) = %v, %v", tc.in, back, err)
		}
	}
}

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		steps     int64
		rate      float64
		train     time.Duration
		suggested time.Duration
	}{
		// 2 × 0 + 10 min.
		{0, 1000, 0, 10 * time.Minute},
		// 1.5M steps at 10k/s: 150 s; 2 × 150 s + 10 min = 15 min.
		{1_500_000, 10_000, 150 * time.Second, 15 * time.Minute},
		// 151 s: 15 min 2 s, rounded up to 20 min.
		{1_510_000, 10_000, 151 * time.Second, 20 * time.Minute},
		// 25M steps at 2.5k/s: 10000 s; 20000 s + 600 s = 5 h 43 min 20 s, up to 5 h 45 min.
		{25_000_000, 2500, 10000 * time.Second, 5*time.Hour + 45*time.Minute},
	} {
		e := NewEstimate(tc.steps, tc.rate)
		if e.Train != tc.train || e.Suggested != tc.suggested || e.Steps != tc.steps || e.StepsPerS != tc.rate {
			t.Errorf("NewEstimate(%d, %v) = %+v, want train %v, suggested %v", tc.steps, tc.rate, e, tc.train, tc.suggested)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewEstimate with 0 steps/s did not panic")
			}
		}()
		NewEstimate(1, 0)
	}()
}

// writeLog writes a training log of seed with the given per-update rates
// (JSON numbers or null) into run directory dir and returns its path.
func writeLog(t *testing.T, dir string, seed int, rates ...string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, r := range rates {
		b.WriteString(`{"update":` + strconv.Itoa(i+1) + `,"global_step":1024,"episodes":0,"steps_per_s":` + r + "}\n")
	}
	path := filepath.Join(dir, "logs", "train-seed-"+strconv.Itoa(seed)+".jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMeasuredRate(t *testing.T) {
	dir := t.TempDir()
	a := writeLog(t, dir, 0, "100", "null", "300", "0")
	b := writeLog(t, dir, 1, "200", "400")
	for _, tc := range []struct {
		paths   []string
		rate    float64
		updates int
	}{
		{[]string{a}, 200, 2},    // null and 0 skipped; median of 100, 300
		{[]string{a, b}, 250, 4}, // 100 200 300 400
		{[]string{b}, 300, 2},
	} {
		rate, n, err := MeasuredRate(tc.paths)
		if err != nil || rate != tc.rate || n != tc.updates {
			t.Errorf("MeasuredRate(%v) = %v, %d, %v; want %v over %d", tc.paths, rate, n, err, tc.rate, tc.updates)
		}
	}
	if _, _, err := MeasuredRate([]string{writeLog(t, t.TempDir(), 0, "null")}); err == nil {
		t.Error("MeasuredRate without a rate: no error")
	}
	if _, _, err := MeasuredRate([]string{filepath.Join(dir, "missing.jsonl")}); err == nil {
		t.Error("MeasuredRate of a missing log: no error")
	}
}

// TrainLogs prefers the config's own run directories, then runs of the
// same experiment and profile under each root in turn.
func TestTrainLogs(t *testing.T) {
	c := testConfig(t, "seeds = 2", "", false)
	o := options(t, 2)
	results := filepath.Join(o.WorkDir, "committed")
	// Another profile of the experiment, and another experiment: never used.
	writeLog(t, filepath.Join(results, "tiny", "quick-0123"), 0, "1")
	writeLog(t, filepath.Join(o.Out, "other", "base-0123"), 0, "1")
	if logs, err := TrainLogs(c, o.Out, o.Out, results); err != nil || len(logs) != 0 {
		t.Fatalf("no matching logs: %v, %v", logs, err)
	}
	sweepPoint := writeLog(t, filepath.Join(results, "tiny", "point=1", "base-4567"), 0, "1")
	if logs, _ := TrainLogs(c, o.Out, o.Out, results); len(logs) != 1 || logs[0] != sweepPoint {
		t.Errorf("committed sweep point: %v, want [%s]", logs, sweepPoint)
	}
	sameProfile := writeLog(t, filepath.Join(o.Out, "tiny", "base-89ab"), 3, "1")
	if logs, _ := TrainLogs(c, o.Out, o.Out, results); len(logs) != 1 || logs[0] != sameProfile {
		t.Errorf("earlier root first: %v, want [%s]", logs, sameProfile)
	}
	own, _ := experiments.RunDir(o.Out, c)
	ownLogs := []string{writeLog(t, own, 0, "1"), writeLog(t, own, 1, "1")}
	if logs, _ := TrainLogs(c, o.Out, o.Out, results); strings.Join(logs, ",") != strings.Join(ownLogs, ",") {
		t.Errorf("own run directory: %v, want %v", logs, ownLogs)
	}
}
