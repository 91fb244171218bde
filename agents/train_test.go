package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/all"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
)

func TestMain(m *testing.M) {
	torch.SetNumThreads(1)
	os.Exit(m.Run())
}

// tinyMaze is a 5×5 maze with the cheese anywhere and a 30-step limit, so
// episodes end inside short rollouts (exercising auto-reset, done flags
// and mid-episode checkpoints).
func tinyMaze() *maze.Config {
	c := maze.DefaultConfig()
	c.Size, c.CheeseRegion, c.MaxSteps = 5, 0, 30
	return c
}

func tinyOptions(t *testing.T) TrainOptions {
	ppo := DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs = 4, 16, 2, 2
	ppo.TotalSteps = 4 * 16 * 6
	return TrainOptions{
		Game: maze.Name, GameConfig: tinyMaze(), Obs: envs.ObsConfig{Kind: envs.ObsSymbolic, View: 9},
		Policy: PolicyConfig{Arch: "impala", Widths: []int{4}, ResBlocks: 1, Hidden: 16},
		PPO:    ppo, Seed: 7, TrainLevels: envs.TrainSeeds(50), Dir: t.TempDir(),
	}
}

func paramValues(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	c, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]float32{}
	for _, p := range c.Params {
		m[p.Name] = p.Data
	}
	return m
}

// trainAndReadLog runs Train and reads back its JSONL log.
func trainAndReadLog(t *testing.T, o TrainOptions) (*TrainResult, []LogRow) {
	t.Helper()
	res, err := Train(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadTrainLog(res.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return res, rows
}

// logWithoutClock returns the JSONL log with the wall-clock column removed.
func logWithoutClock(t *testing.T, path string) []LogRow {
	t.Helper()
	rows, err := ReadTrainLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].StepsPerS = 0
	}
	return rows
}

func TestTrainIsDeterministic(t *testing.T) {
	a, b := tinyOptions(t), tinyOptions(t)
	ra, err := Train(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Train(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	la, lb := logWithoutClock(t, ra.LogPath), logWithoutClock(t, rb.LogPath)
	if len(la) != 6 || len(la) != len(lb) {
		t.Fatalf("log rows %d and %d, want 6", len(la), len(lb))
	}
	episodes := 0
	for i := range la {
		if la[i] != lb[i] && !(bothNaNRows(la[i], lb[i])) {
			t.Errorf("row %d differs:\n%+v\n%+v", i, la[i], lb[i])
		}
		episodes += la[i].Episodes
	}
	if episodes == 0 {
		t.Error("no episode ended: the test does not exercise auto-reset")
	}
	csv, err := os.ReadFile(CSVPath(ra.LogPath))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 7 || !strings.HasPrefix(lines[0], "update,global_step") {
		t.Errorf("csv has %d lines, header %q", len(lines), lines[0])
	}
}

// bothNaNRows compares rows treating NaN metrics (no episode ended) as equal.
func bothNaNRows(a, b LogRow) bool {
	ja, _ := jsonRow(a)
	jb, _ := jsonRow(b)
	return bytes.Equal(ja, jb)
}

func jsonRow(r LogRow) ([]byte, error) {
	var buf bytes.Buffer
	err := writeJSONRow(&buf, r)
	return buf.Bytes(), err
}

func TestResumeMatchesUninterruptedRun(t *testing.T) {
	full := tinyOptions(t)
	rf, err := Train(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	part := tinyOptions(t)
	part.StopAfterUpdates = 2
	rp, err := Train(context.Background(), part)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Done || rp.Updates != 2 {
		t.Fatalf("stopped run: done %v after %d updates, want 2", rp.Done, rp.Updates)
	}
	// Resume twice more in pieces, the second piece finishing the run.
	part.StopAfterUpdates = 3
	part.Resume = true
	if _, err := Train(context.Background(), part); err != nil {
		t.Fatal(err)
	}
	part.StopAfterUpdates = 0
	rr, err := Train(context.Background(), part)
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Resumed || !rr.Done || rr.Updates != 6 || rr.GlobalStep != rf.GlobalStep {
		t.Fatalf("resumed run: %+v", rr)
	}
	pf, pr := paramValues(t, rf.Checkpoint), paramValues(t, rr.Checkpoint)
	for name, v := range pf {
		w := pr[name]
		for i := range v {
			if v[i] != w[i] {
				t.Fatalf("parameter %s[%d]: uninterrupted %v, resumed %v", name, i, v[i], w[i])
			}
		}
	}
	lf, lr := logWithoutClock(t, rf.LogPath), logWithoutClock(t, rr.LogPath)
	if len(lf) != len(lr) {
		t.Fatalf("log rows: uninterrupted %d, resumed %d", len(lf), len(lr))
	}
	for i := range lf {
		if !bothNaNRows(lf[i], lr[i]) {
			t.Errorf("log row %d differs:\n%+v\n%+v", i, lf[i], lr[i])
		}
	}
	// Resuming a finished run does nothing and keeps the checkpoint.
	again, err := Train(context.Background(), part)
	if err != nil || again.Updates != 6 || again.Checkpoint == "" {
		t.Errorf("resuming a finished run: %+v, %v", again, err)
	}
}

func TestCancelCheckpointsAtUpdateBoundary(t *testing.T) {
	o := tinyOptions(t)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	o.Progress = writerFunc(func(p []byte) {
		if strings.HasPrefix(string(p), "update 3/") {
			cancel()
		}
		calls++
	})
	res, err := Train(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	c, err := ReadCheckpoint(CheckpointPath(o.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if c.Update != 3 || res.Checkpoint == "" {
		t.Errorf("checkpoint at update %d (result %+v), want 3", c.Update, res)
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestNaNGuardStopsAndKeepsCheckpoint(t *testing.T) {
	o := tinyOptions(t)
	o.CheckpointEveryUpdates = 1
	o.faultAt = func(update, minibatch int) bool { return update == 3 && minibatch == 1 }
	_, err := Train(context.Background(), o)
	var nan *NaNError
	if !errors.As(err, &nan) || nan.Update != 3 || nan.Minibatch != 1 || !strings.Contains(err.Error(), "update 3 minibatch 1") {
		t.Fatalf("err %v, want NaNError at update 3 minibatch 1", err)
	}
	c, err := ReadCheckpoint(CheckpointPath(o.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if c.Update != 2 {
		t.Errorf("checkpoint at update %d, want the last good one (2)", c.Update)
	}
}

func TestCorruptOrMismatchedCheckpointRefused(t *testing.T) {
	o := tinyOptions(t)
	o.StopAfterUpdates = 1
	if _, err := Train(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	path := CheckpointPath(o.Dir)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	for i, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"flipped byte", flipped, "checksum mismatch"},
		{"truncated", good[:len(good)-100], "checksum mismatch"},
		{"tiny", good[:10], "not a misgen checkpoint"},
		{"other file", []byte("MGTS this is a tensor file, not a checkpoint........................"), "not a misgen checkpoint"},
	} {
		if err := os.WriteFile(path, tc.content, 0o644); err != nil {
			t.Fatal(err)
		}
		o.Resume = true
		_, err := Train(context.Background(), o)
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("case %d (%s): err %v, want ErrCheckpoint naming %s and %q", i, tc.name, err, path, tc.want)
		}
		if _, _, err := LoadPolicy(path); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("case %d (%s): LoadPolicy err %v", i, tc.name, err)
		}
	}
	// A good checkpoint under another config is refused too.
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	o.PPO.LearningRate *= 2
	if _, err := Train(context.Background(), o); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "config hash") {
		t.Errorf("mismatched config: err %v", err)
	}
	// Runtime knobs do not change the hash.
	o.PPO.LearningRate /= 2
	o.PPO.CheckpointSecs = 123
	o.StopAfterUpdates = 1
	if _, err := Train(context.Background(), o); err != nil {
		t.Errorf("changed checkpoint_every only: %v", err)
	}
}

func TestLoadPolicyRebuildsNetwork(t *testing.T) {
	o := tinyOptions(t)
	o.Policy = PolicyConfig{Arch: "bilinear", Hidden: 8}
	o.StopAfterUpdates = 1
	if _, err := Train(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	p, c, err := LoadPolicy(CheckpointPath(o.Dir))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if p.Config().Arch != "bilinear" || p.IO().Game != maze.Name || c.Update != 1 {
		t.Errorf("loaded %s policy for %s at update %d", p.Config().Arch, p.IO().Game, c.Update)
	}
	want := paramValues(t, CheckpointPath(o.Dir))
	for _, n := range p.Params() {
		got, _ := n.Tensor.Float32s()
		for i := range got {
			if got[i] != want[n.Name][i] {
				t.Fatalf("%s[%d] = %v, checkpoint %v", n.Name, i, got[i], want[n.Name][i])
			}
		}
	}
}

func TestCheckpointWrittenAtomicallyInDir(t *testing.T) {
	o := tinyOptions(t)
	if _, err := Train(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(o.Dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "latest.ckpt train.csv train.jsonl" {
		t.Errorf("dir holds %v", names)
	}
	if _, err := os.Stat(filepath.Join(o.Dir, CheckpointFile)); err != nil {
		t.Error(err)
	}
}

// The log's episode columns average the most recent finished episodes
// across rollouts: episodes longer than a rollout count, updates in which
// none ends keep the window's values, and the window holds the last
// episodeWindow episodes.
func TestLogEpisodeWindowSpansRollouts(t *testing.T) {
	length := func(k int) int { return 1 + k*5%9 } // 1..9 steps, rollouts of 4
	reward := func(k int) float32 { return float32(k + 1) }
	win := func(k int) bool { return k%3 == 0 }
	o := tinyOptions(t)
	o.NewEnv = func() (envs.Env, error) { return newScriptEnv(length, reward, win, nil), nil }
	o.EnvID = "script"
	o.Policy = PolicyConfig{Arch: "mlp", Hidden: 4, Layers: 1}
	o.PPO.NumEnvs, o.PPO.NumSteps, o.PPO.NumMinibatches, o.PPO.UpdateEpochs = 1, 4, 2, 1
	o.PPO.NormReward = false
	const updates = 160
	o.PPO.TotalSteps = 4 * updates
	_, rows := trainAndReadLog(t, o)
	if len(rows) != updates {
		t.Fatalf("%d rows, want %d", len(rows), updates)
	}
	ends := []int{} // global step at which episode k ends (one env)
	for k, step := 0, 0; step <= 4*updates; k++ {
		step += length(k)
		ends = append(ends, step)
	}
	finished, quiet := 0, 0
	for u, row := range rows {
		n := 0
		for n < len(ends) && ends[n] <= 4*(u+1) {
			n++
		}
		if row.Episodes != n-finished {
			t.Errorf("update %d: %d episodes ended, want %d", u+1, row.Episodes, n-finished)
		}
		if row.Episodes == 0 && n > 0 {
			quiet++
		}
		finished = n
		if n == 0 {
			if !math.IsNaN(float64(row.EpisodicReturn)) {
				t.Errorf("update %d: return %v before any episode ended, want NaN", u+1, row.EpisodicReturn)
			}
			continue
		}
		var ret, l, s float64
		from := max(0, n-episodeWindow)
		for k := from; k < n; k++ {
			ret += float64(reward(k))
			l += float64(length(k))
			if win(k) {
				s++
			}
		}
		m := float64(n - from)
		if d := math.Abs(float64(row.EpisodicReturn) - ret/m); d > 1e-9 ||
			math.Abs(float64(row.EpisodicLength)-l/m) > 1e-9 || math.Abs(float64(row.SuccessRate)-s/m) > 1e-9 {
			t.Errorf("update %d: return %v length %v success %v, want %v %v %v (episodes %d..%d)", u+1,
				row.EpisodicReturn, row.EpisodicLength, row.SuccessRate, ret/m, l/m, s/m, from, n-1)
		}
	}
	if finished <= episodeWindow || quiet == 0 {
		t.Errorf("%d episodes, %d updates without one ending: the test exercises neither the window's end nor spanning episodes", finished, quiet)
	}
}

// With BootstrapTimeouts, the rollout adds γ·V(s_T) to the reward of each
// step on which an episode's time limit cut it, V(s_T) being the critic's
// value of that episode's final observation; terminal ends and other steps
// keep their rewards. Without it every reward is the env's.
func TestRolloutBootstrapsTimeLimits(t *testing.T) {
	const length = 3
	reward := func(k int) float32 { return float32(k + 1) }
	cut := func(k int) bool { return k%2 == 0 }
	for _, bootstrap := range []bool{false, true} {
		o := tinyOptions(t)
		o.NewEnv = func() (envs.Env, error) {
			return newScriptEnv(func(int) int { return length }, reward, func(int) bool { return true }, cut), nil
		}
		o.EnvID = "script"
		o.Policy = PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}
		o.PPO.NumEnvs, o.PPO.NumSteps, o.PPO.NumMinibatches = 2, 8, 2
		o.PPO.NormReward, o.PPO.BootstrapTimeouts = false, bootstrap
		if err := o.withDefaults(); err != nil {
			t.Fatal(err)
		}
		tr, err := newTrainer(&o)
		if err != nil {
			t.Fatal(err)
		}
		tr.envs.start()
		if err := tr.rollout(); err != nil {
			t.Fatal(err)
		}
		cuts := 0
		for step := 0; step < o.PPO.NumSteps; step++ {
			want := 0.0
			if (step+1)%length == 0 { // both envs end episode k on this step
				k := (step+1)/length - 1
				want = float64(reward(k))
				if bootstrap && cut(k) {
					// The final observation of episode k (scriptEnv.Observe).
					want += o.PPO.Gamma * float64(criticValue(t, tr.policy, []float32{length / 10.0, float32(k) / 100}))
					cuts++
				}
			}
			for e := 0; e < 2; e++ {
				if got := tr.rewards[step*2+e]; !near(float64(got), want, 1e-6) {
					t.Errorf("bootstrap %v: step %d env %d: reward %v, want %v", bootstrap, step, e, got, want)
				}
			}
		}
		if bootstrap && cuts == 0 {
			t.Error("no time-limit cut in the rollout")
		}
		tr.free()
	}
}

// criticValue is p's value of one observation.
func criticValue(t *testing.T, p Policy, obs []float32) float32 {
	t.Helper()
	s := torch.NewNoGradScope()
	defer s.Close()
	sh := p.IO().ObsShape
	_, v := p.Forward(s, s.FromFloat32(obs, 1, int64(sh[0]), int64(sh[1]), int64(sh[2])), nil)
	vals, err := v.Float32s()
	if err != nil || s.Err() != nil {
		t.Fatal(err, s.Err())
	}
	return vals[0]
}

// bootstrap_timeouts is left out of the resolved config and the config
// hash while false, so runs from before it existed keep their identity,
// and enters both when true.
func TestBootstrapTimeoutsKeepsOldIdentity(t *testing.T) {
	c := DefaultPPOConfig()
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(c)
	if strings.Contains(buf.String(), "bootstrap_timeouts") || strings.Contains(string(js), "Bootstrap") {
		t.Errorf("false bootstrap_timeouts encoded:\n%s\n%s", buf.String(), js)
	}
	o := tinyOptions(t)
	before := configHash(&o, PolicyIO{}, "env")
	o.PPO.BootstrapTimeouts = true
	buf.Reset()
	if err := toml.NewEncoder(&buf).Encode(o.PPO); err != nil {
		t.Fatal(err)
	}
	var back PPOConfig
	if _, err := toml.Decode(buf.String(), &back); err != nil || !back.BootstrapTimeouts || configHash(&o, PolicyIO{}, "env") == before {
		t.Errorf("true bootstrap_timeouts: decoded %v (%v), hash changed %v", back.BootstrapTimeouts, err, configHash(&o, PolicyIO{}, "env") != before)
	}
}
