package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// committedFiles are the result files under results/ that match pattern.
func committedFiles(t *testing.T, pattern string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join("..", "results"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ok, _ := filepath.Match(pattern, d.Name()); ok && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no committed %s under results/", pattern)
	}
	return out
}

// TestOutputRoundTripCommitted decodes every committed result file of each
// schema type and re-encodes it with EncodeJSON, the writer the tools use:
// the bytes must be the file's, so the types carry every field in the
// order and number format the files were written with.
func TestOutputRoundTripCommitted(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		decode  func([]byte) (any, error)
	}{
		{"audit.json", decodeAs[AuditResult]},
		{"predictions.json", decodeAs[AuditPredictions]},
		{"circumvention.json", decodeAs[CircumventionReport]},
		{"manifest*.json", decodeAs[Manifest]},
		{"failure_rates.json", decodeAs[[]Row]},
		{"pursuit.json", decodeAs[[]Row]},
		{"paired.json", decodeAs[[]PairedRow]},
		{"preference.json", decodeAs[[]PreferenceRow]},
	} {
		for _, path := range committedFiles(t, tc.pattern) {
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			v, err := tc.decode(want)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			got, err := EncodeJSON(v)
			if err != nil {
				t.Errorf("%s: encoding: %v", path, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: re-encoded bytes differ from the file (%d vs %d bytes) at byte %d", path, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

// TestTrainLogRoundTripCommitted decodes every line of every committed
// training log into TrainLogRow and re-encodes it with EncodeJSONLine.
func TestTrainLogRoundTripCommitted(t *testing.T) {
	for _, path := range committedFiles(t, "train-seed-*.jsonl") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			v, err := decodeAs[TrainLogRow](line)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			if got, err := EncodeJSONLine(v); err != nil || !bytes.Equal(got, line) {
				t.Fatalf("%s:%d: re-encoded as %s (%v)", path, i+1, got, err)
			}
		}
	}
}

// decodeAs decodes data into a T, rejecting fields T lacks.
func decodeAs[T any](data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	v := new(T)
	err := dec.Decode(v)
	return v, err
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
