package agents

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
)

// appendCRC returns b with the checkpoint's trailing CRC of b appended.
func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), b...), crc32.ChecksumIEEE(b))
}

// FuzzReadCheckpoint decodes arbitrary bytes as a checkpoint, both as they
// are and with a valid trailing CRC appended, so that mutations get past
// the checksum to the sections (the seeds in testdata/fuzz are stored
// without it). Decoding must fail with an error or give a checkpoint whose
// policy builds and takes its parameters. Run it with a short minimisation
// budget, or minimising each new 9 kB input stalls the run for a minute:
//
//	go test -run '^$' -fuzz=FuzzReadCheckpoint -fuzztime=30s -fuzzminimizetime=50x -parallel=1 ./agents
func FuzzReadCheckpoint(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, appendCRC(b)} {
			c, err := decodeCheckpoint(in)
			if err != nil {
				continue
			}
			p, err := c.buildPolicy()
			if err != nil {
				t.Fatalf("decoded checkpoint does not load: %v", err)
			}
			p.Free()
		}
	})
}

// tinyCheckpoint trains a one-update run of a 4-wide MLP on scriptEnv and
// returns its checkpoint file's bytes.
func tinyCheckpoint(t *testing.T) []byte {
	t.Helper()
	o := tinyOptions(t)
	o.NewEnv = func() (envs.Env, error) {
		return newScriptEnv(func(k int) int { return 2 + k%3 }, func(int) float32 { return 1 }, func(k int) bool { return k%2 == 0 }, nil), nil
	}
	o.EnvID = "script"
	o.Policy = PolicyConfig{Arch: "mlp", Hidden: 4, Layers: 1}
	o.PPO.NumEnvs, o.PPO.NumSteps, o.PPO.NumMinibatches, o.PPO.UpdateEpochs = 2, 4, 2, 1
	o.StopAfterUpdates = 1
	if _, err := Train(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(CheckpointPath(o.Dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkpointSections splits a valid checkpoint file into its sections.
func checkpointSections(t *testing.T, b []byte) (meta, params, opt []byte) {
	t.Helper()
	le := binary.LittleEndian
	rest := b[len(checkpointMagic)+2 : len(b)-4]
	n := le.Uint32(rest)
	meta, rest = rest[4:4+n], rest[4+n:]
	m := le.Uint64(rest)
	params, rest = rest[8:8+m], rest[8+m:]
	return meta, params, rest[8:]
}

// withMeta returns the checkpoint b with its metadata changed by edit.
func withMeta(t *testing.T, b []byte, edit func(*checkpointMeta)) []byte {
	t.Helper()
	metaJSON, params, opt := checkpointSections(t, b)
	var meta checkpointMeta
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		t.Fatal(err)
	}
	edit(&meta)
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	return encodeCheckpoint(metaJSON, params, opt)
}

// A checkpoint whose config describes a network other than its parameters
// (here one of terabytes, from a file of a few kilobytes) is refused before
// anything of that size is built, as are declared sizes beyond the file.
func TestCheckpointSizesCapped(t *testing.T) {
	good := tinyCheckpoint(t)
	if _, err := decodeCheckpoint(good); err != nil {
		t.Fatalf("valid checkpoint: %v", err)
	}
	metaJSON, params, opt := checkpointSections(t, good)
	hugeParams := append([]byte(nil), params...)
	binary.LittleEndian.PutUint32(hugeParams[8:], 1<<31) // tensor count
	hugeParams = appendCRC(hugeParams[:len(hugeParams)-4])
	for i, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"huge observations", withMeta(t, good, func(m *checkpointMeta) {
			m.IO.ObsShape = [3]int{4096, 4096, 4096}
			m.Policy.Hidden = 8192
		}), `parameter 0 is "fc0.w" [4 2]`},
		{"other arch", withMeta(t, good, func(m *checkpointMeta) { m.Policy.Arch = "bilinear" }), "the bilinear policy has"},
		{"invalid config", withMeta(t, good, func(m *checkpointMeta) { m.Policy.Hidden = 1 << 30 }), "policy config: hidden"},
		{"huge section", appendCRC(binary.LittleEndian.AppendUint64(append([]byte(nil), good[:len(checkpointMagic)+2+4+len(metaJSON)]...), 1<<62)),
			"parameter bytes: 4611686018427387904 declared"},
		{"huge tensor count", encodeCheckpoint(metaJSON, hugeParams, opt), "tensor count: 2147483648 declared"},
	} {
		_, err := decodeCheckpoint(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d (%s): err %v, want one containing %q", i, tc.name, err, tc.want)
		}
	}
	// Through the public API the error wraps ErrCheckpoint and names the file.
	path := filepath.Join(t.TempDir(), "huge.ckpt")
	if err := os.WriteFile(path, withMeta(t, good, func(m *checkpointMeta) { m.IO.ObsShape = [3]int{4096, 4096, 4096} }), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadPolicy(path); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadPolicy: %v", err)
	}
}

// paramShapes describes exactly the parameters NewPolicy creates.
func TestParamShapesMatchNewPolicy(t *testing.T) {
	for _, cfg := range testArchs {
		p, err := NewPolicy(cfg, testIO, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := p.Params()
		got := paramShapes(cfg, testIO)
		if len(got) != len(want) {
			t.Fatalf("%s: %d shapes, %d parameters", cfg.Arch, len(got), len(want))
		}
		for i, n := range want {
			if got[i].name != n.Name || !slices.Equal(got[i].shape, n.Tensor.Shape()) {
				t.Errorf("%s: shape %d %q %v, parameter %q %v", cfg.Arch, i, got[i].name, got[i].shape, n.Name, n.Tensor.Shape())
			}
		}
		p.Free()
	}
}

// TestWriteCheckpointFuzzSeeds regenerates the checked-in seed corpus of
// FuzzReadCheckpoint (testdata/fuzz/FuzzReadCheckpoint) when
// MISGEN_WRITE_FUZZ_SEEDS=1: a valid small checkpoint and corrupt ones,
// stored without their trailing CRC (the fuzz target appends one).
func TestWriteCheckpointFuzzSeeds(t *testing.T) {
	if os.Getenv("MISGEN_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set MISGEN_WRITE_FUZZ_SEEDS=1 to regenerate the seed corpus")
	}
	full := tinyCheckpoint(t)
	body := func(b []byte) []byte { return b[:len(b)-4] }
	metaJSON, params, opt := checkpointSections(t, full)
	// The decoder does not parse the optimizer state (libtorch does, when
	// resuming), so the corrupt seeds carry a 16-byte stub of it.
	good := encodeCheckpoint(metaJSON, params, opt[:16])
	le := binary.LittleEndian
	hugeCount := append([]byte(nil), params...)
	le.PutUint32(hugeCount[8:], 1<<31)
	hugeCount = appendCRC(hugeCount[:len(hugeCount)-4])
	seeds := map[string][]byte{
		"valid":             body(full),
		"valid-stub-optim":  body(good),
		"truncated":         body(good)[:len(good)/2],
		"bad-magic":         append([]byte("MGTS"), body(good)[4:]...),
		"huge-observations": body(withMeta(t, good, func(m *checkpointMeta) { m.IO.ObsShape = [3]int{4096, 4096, 4096} })),
		"other-arch":        body(withMeta(t, good, func(m *checkpointMeta) { m.Policy.Arch = "impala"; m.Policy.Widths = []int{4} })),
		"huge-section":      le.AppendUint64(append([]byte(nil), good[:len(checkpointMagic)+2+4+len(metaJSON)]...), 1<<62),
		"huge-tensor-count": body(encodeCheckpoint(metaJSON, hugeCount, opt[:16])),
		"bad-meta-json":     body(encodeCheckpoint([]byte(`{"policy":{"arch":"mlp"`), params, opt[:16])),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReadCheckpoint")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		var buf bytes.Buffer
		buf.WriteString("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The checked-in seeds still mean what their names say: the valid ones
// decode (with the CRC the fuzz target appends) and load, the others fail.
func TestCheckpointFuzzSeedsCurrent(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadCheckpoint")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < 5 {
		t.Fatalf("seed corpus: %d files, %v", len(entries), err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(strings.TrimSpace(string(raw)), "go test fuzz v1\n[]byte(")
		b, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if !ok || err != nil {
			t.Fatalf("%s: not a []byte corpus entry: %v", e.Name(), err)
		}
		c, err := decodeCheckpoint(appendCRC([]byte(b)))
		valid := strings.HasPrefix(e.Name(), "valid")
		if valid != (err == nil) {
			t.Errorf("%s: decode error %v", e.Name(), err)
			continue
		}
		if valid {
			p, err := c.buildPolicy()
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			p.Free()
		}
	}
}
