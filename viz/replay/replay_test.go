package replay

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/heist"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/schema"
)

// scripted plays real episodes of every game with fixed-seed random or
// scripted actions, with made-up but deterministic probabilities, values
// and features so every field of the format is exercised.
func scripted(t testing.TB) []Episode {
	t.Helper()
	obs := envs.DefaultObsConfig()
	ood := coinrun.DefaultConfig()
	ood.Coin = coinrun.CoinRandom
	cases := []struct {
		game, variant string
		cfg           any
		level         uint64
		act           func(r *rand.Rand, n int) int
	}{
		{coinrun.Name, schema.IDVariant, coinrun.DefaultConfig(), 3, func(*rand.Rand, int) int { return 8 }}, // hold right+jump
		{coinrun.Name, "random_coin", ood, 3, func(*rand.Rand, int) int { return 8 }},
		{maze.Name, "anywhere", &maze.Config{Size: 9, MaxSteps: 60}, 5, func(r *rand.Rand, n int) int { return r.IntN(n) }},
		{heist.Name, schema.IDVariant, heist.DefaultConfig(), 1, func(r *rand.Rand, n int) int { return r.IntN(n) }},
	}
	var eps []Episode
	for i, c := range cases {
		meta, err := NewMeta(c.game, c.variant, c.cfg, obs, c.level, i)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		meta.FeatureSource = "test/features"
		r := rand.New(rand.NewPCG(uint64(i), 7))
		ep, err := Run(meta, func(step int, env envs.Env) (int, []float32, float32) {
			n := env.Spec().NumActions
			probs := make([]float32, n)
			for k := range probs {
				probs[k] = 1 / float32(n)
			}
			return c.act(r, n), probs, float32(step) * 0.5
		}, 0)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if ep.Outcome == "" {
			t.Fatalf("case %d: scripted episode did not end", i)
		}
		for j := range ep.Steps {
			ep.Steps[j].Features = []Feature{{ID: j % 7, Value: float32(j)}, {ID: 300, Value: -1.5}}
		}
		eps = append(eps, ep)
	}
	return eps
}

func TestWriteReadLoadRoundTrip(t *testing.T) {
	eps := scripted(t)
	path := filepath.Join(t.TempDir(), "r.replay")
	if err := Write(path, eps); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, eps) {
		t.Fatalf("round trip differs:\ngot  %v\nwant %v", got, eps)
	}
	for i, ep := range got {
		if ep.Outcome != ep.Steps[len(ep.Steps)-1].Info.Outcome {
			t.Errorf("episode %d: outcome %q, last step %q", i, ep.Outcome, ep.Steps[len(ep.Steps)-1].Info.Outcome)
		}
	}
	// Compact: well under the raw in-memory size of the steps.
	st, _ := os.Stat(path)
	var steps int
	for _, ep := range eps {
		steps += len(ep.Steps)
	}
	t.Logf("%d episodes, %d steps, %d bytes (%.1f bytes/step)", len(eps), steps, st.Size(), float64(st.Size())/float64(steps))
}

func TestEmptyAndProbFreeEpisodes(t *testing.T) {
	eps := scripted(t)[:1]
	for j := range eps[0].Steps {
		eps[0].Steps[j].Probs = nil
		eps[0].Steps[j].Features = nil
	}
	for i, set := range [][]Episode{nil, eps} {
		data, err := Marshal(set)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, err := Unmarshal(data)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(got) != len(set) || (len(set) > 0 && !reflect.DeepEqual(got, set)) {
			t.Errorf("case %d: round trip differs", i)
		}
	}
}

func TestReadErrors(t *testing.T) {
	good, err := Marshal(scripted(t)[:2])
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrTruncated, "shorter than the 24-byte header"},
		{"short header", good[:10], ErrTruncated, "header"},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), ErrBadMagic, "not a misgen replay"},
		{"text file", []byte("hello world, not a replay"), ErrBadMagic, "bad magic"},
		{"unknown version", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[8:], 99); return b }), ErrVersion, "version 99"},
		{"truncated payload", good[:len(good)-5], ErrTruncated, "announces"},
		{"trailing bytes", append(append([]byte(nil), good...), 1, 2), ErrCorrupt, "after the announced"},
		{"flipped payload bit", edit(func(b []byte) []byte { b[headerSize+len(b[headerSize:])/2] ^= 0x10; return b }), ErrChecksum, "CRC-32"},
		{"garbage payload with valid checksum", edit(func(b []byte) []byte {
			b = append(b[:headerSize], 0xff, 0xfe, 0xfd)
			binary.LittleEndian.PutUint64(b[12:], 3)
			binary.LittleEndian.PutUint32(b[20:], crc32.ChecksumIEEE(b[headerSize:]))
			return b
		}), ErrCorrupt, "corrupt"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if !errors.Is(err, c.want) {
			t.Errorf("case %d (%s): error %v, want %v", i, c.name, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), path) {
			t.Errorf("case %d (%s): message %q lacks %q or the file name", i, c.name, err, c.msg)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

// TestTruncatedAtEveryLength cuts a file at many lengths: each must be
// refused (never a panic, never a silent partial read).
func TestTruncatedAtEveryLength(t *testing.T) {
	good, err := Marshal(scripted(t)[:1])
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n += 1 + n/16 {
		if _, err := Unmarshal(good[:n]); err == nil {
			t.Fatalf("cut at %d of %d bytes: accepted", n, len(good))
		}
	}
}

func TestLoadRefusesMismatchedReplay(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(ep *Episode)
		msg    string
	}{
		{"reward", func(ep *Episode) { ep.Steps[0].Reward = 3 }, "step 0: replay gives reward 0, recorded 3"},
		{"position", func(ep *Episode) { ep.Steps[4].Info.AgentX += 1 }, "step 4: replay puts the agent"},
		{"level seed", func(ep *Episode) { ep.LevelSeed++ }, "step"},
		{"outcome", func(ep *Episode) { ep.Outcome = "timeout" }, "episode records \"timeout\""},
		{"extra step", func(ep *Episode) { ep.Steps = append(ep.Steps, ep.Steps[len(ep.Steps)-1]) }, "recorded steps left"},
		{"missing steps", func(ep *Episode) { ep.Steps = ep.Steps[:len(ep.Steps)-1] }, "has not ended"},
		{"probs length", func(ep *Episode) {
			for j := range ep.Steps {
				ep.Steps[j].Probs = ep.Steps[j].Probs[:3]
			}
		}, "3 action probabilities, coinrun has 15"},
		{"config", func(ep *Episode) { ep.Config = []byte("coin = \"sideways\"\n") }, `rebuilding coinrun: coin = "sideways"`},
		{"unknown config key", func(ep *Episode) { ep.Config = append(ep.Config, "bogus = 1\n"...) }, "unknown key \"bogus\""},
		{"unknown game", func(ep *Episode) { ep.Game = "pong" }, "unknown game \"pong\""},
		{"action", func(ep *Episode) { ep.Steps[2].Action = 99 }, "action 99"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		eps := scripted(t)[:1]
		c.tamper(&eps[0])
		path := filepath.Join(dir, c.name)
		if err := Write(path, eps); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); err != nil {
			t.Fatalf("case %d (%s): Read should accept a well-formed file: %v", i, c.name, err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "episode 0") {
			t.Errorf("case %d (%s): Load error %v, want one containing %q and the episode index", i, c.name, err, c.msg)
		}
	}
}

func TestCursorSeekMatchesRecordedInfo(t *testing.T) {
	ep := scripted(t)[2] // random-action maze: the agent moves about
	c, err := NewCursor(&ep)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 50; k++ {
		i := r.IntN(c.Frames()+4) - 2 // includes out-of-range requests
		if err := c.Seek(i); err != nil {
			t.Fatal(err)
		}
		want := min(max(i, 0), c.Frames()-1)
		if c.Pos() != want {
			t.Fatalf("Seek(%d): at %d, want %d", i, c.Pos(), want)
		}
		got := c.Env().Info()
		if want > 0 && (got.AgentX != ep.Steps[want-1].Info.AgentX || got.AgentY != ep.Steps[want-1].Info.AgentY) {
			t.Fatalf("Seek(%d): agent at (%v,%v), recorded (%v,%v)", i, got.AgentX, got.AgentY, ep.Steps[want-1].Info.AgentX, ep.Steps[want-1].Info.AgentY)
		}
		if got.Step != want {
			t.Fatalf("Seek(%d): env step %d", i, got.Step)
		}
	}
}

func TestRecorder(t *testing.T) {
	rec := NewRecorder(Episode{Game: "coinrun", Variant: schema.IDVariant, Outcome: "stale", Steps: []Step{{}}})
	if rec.Len() != 0 || rec.Done() {
		t.Fatalf("fresh recorder: len %d done %v", rec.Len(), rec.Done())
	}
	probs := []float32{0.25, 0.75}
	rec.Step(0, 1, probs, 0.5, 0, envs.Info{Step: 1})
	probs[0] = 9 // the caller reuses its buffer
	rec.Features([]Feature{{ID: 4, Value: 2}})
	rec.Step(1, 0, probs, 0.25, 10, envs.Info{Step: 2, Outcome: "coin"})
	ep := rec.Episode()
	if ep.Outcome != "coin" || len(ep.Steps) != 2 || ep.Steps[0].Probs[0] != 0.25 || ep.Steps[0].Features[0].ID != 4 || ep.Return(2) != 10 {
		t.Fatalf("recorded %+v", ep)
	}
	for i, f := range []func(){
		func() { rec.Step(2, 0, nil, 0, 0, envs.Info{}) }, // after the end
		func() { NewRecorder(Episode{}).Step(1, 0, nil, 0, 0, envs.Info{}) },
		func() { NewRecorder(Episode{}).Features(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: no panic", i)
				}
			}()
			f()
		}()
	}
}
