package policy

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/viewer/app"
)

// checkpoint trains a tiny maze policy for two PPO updates: untrained
// behaviour is fine, the test is about loading and playing it live.
func checkpoint(t *testing.T) string {
	t.Helper()
	torch.SetNumThreads(1)
	ppo := agents.DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs = 4, 16, 2, 1
	ppo.TotalSteps = 4 * 16 * 2
	res, err := agents.Train(context.Background(), agents.TrainOptions{
		Game: maze.Name, GameConfig: maze.DefaultConfig(), Obs: envs.DefaultObsConfig(),
		Policy: agents.PolicyConfig{Arch: "mlp", Hidden: 16, Layers: 1},
		PPO:    ppo, Seed: 1, TrainLevels: envs.TrainSeeds(10), Dir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Checkpoint
}

func TestLivePolicyPlays(t *testing.T) {
	ckpt := checkpoint(t)
	a, err := app.ParseArgs([]string{"-checkpoint", ckpt, "-env", "maze", "-variant", "ood", "-seed", "7"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := app.NewLive(a, app.Loaders{Policy: Loader(1, false)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Policy() || l.Seed() != 7 {
		t.Fatalf("policy %v seed %d", l.Policy(), l.Seed())
	}
	for i := 0; i < 20 && !l.Done(); i++ {
		if err := l.PolicyStep(); err != nil {
			t.Fatal(err)
		}
	}
	if l.Steps() == 0 {
		t.Fatal("the policy took no step")
	}
	// The HUD shows the policy's distribution: one bar per action,
	// lengths summing to about the full slot width.
	img, lay := l.Render(render.Options{Scale: 4})
	total := 0
	for _, slot := range lay.Bars {
		y := (slot.Min.Y + slot.Max.Y) / 2
		for x := slot.Min.X; x < slot.Max.X; x++ {
			if c := img.RGBAAt(x, y); c.B > 200 || c.R > 240 { // bar colours
				total++
			}
		}
	}
	if w := lay.Bars[0].Dx(); math.Abs(float64(total-w)) > float64(len(lay.Bars)) {
		t.Errorf("probability bars cover %d px, want about %d", total, w)
	}
	// Outside a run directory and without -env, the error names the
	// checkpoint file a run keeps (agents' name, which app does not link).
	c, _ := app.ParseArgs([]string{"-checkpoint", ckpt}, &bytes.Buffer{}, &bytes.Buffer{})
	if _, err := app.NewLive(c, app.Loaders{Policy: Loader(1, false)}); err == nil || !strings.Contains(err.Error(), "seed-N/"+agents.CheckpointFile) {
		t.Errorf("checkpoint without a run: %v", err)
	}
	// A checkpoint for another game is refused with a clear message.
	b, _ := app.ParseArgs([]string{"-checkpoint", ckpt, "-env", "coinrun"}, &bytes.Buffer{}, &bytes.Buffer{})
	if _, err := app.NewLive(b, app.Loaders{Policy: Loader(1, false)}); err == nil || !strings.Contains(err.Error(), "maze policy") {
		t.Errorf("mismatched env: %v", err)
	}
}

func TestChoose(t *testing.T) {
	probs := []float32{0.1, 0.6, 0.3}
	r := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, 3)
	for i := 0; i < 30000; i++ {
		counts[choose(r, probs, false)]++
	}
	for a, p := range probs {
		if got := float64(counts[a]) / 30000; math.Abs(got-float64(p)) > 0.015 {
			t.Errorf("action %d sampled %.3f, want %.1f", a, got, p)
		}
	}
	if choose(r, probs, true) != 1 {
		t.Error("greedy does not take the most probable action")
	}
}

// TestVectorOverlayIsTheProbeField: the overlay's arrows for a loaded
// maze policy are probe.VectorField's for the level shown, with the goal
// on the level's goal tile, however far the live episode has gone; after
// a level change they are the new level's.
func TestVectorOverlayIsTheProbeField(t *testing.T) {
	ckpt := checkpoint(t)
	a, err := app.ParseArgs([]string{"-checkpoint", ckpt, "-env", maze.Name, "-seed", "3"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := app.NewLive(a, app.Loaders{Policy: Loader(1, true)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 5 && !l.Done(); i++ {
		if err := l.PolicyStep(); err != nil {
			t.Fatal(err)
		}
	}
	steps := l.Steps()
	l.ToggleVectors()
	if !l.VectorsOn() {
		t.Fatalf("v did not turn the overlay on for maze: %q", l.Status())
	}
	p, _, err := agents.LoadPolicy(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	lv, err := app.GameVariant(maze.Name, "train")
	if err != nil {
		t.Fatal(err)
	}
	cfg, obs := lv.Config, lv.Obs
	mg, _ := envs.Lookup(maze.Name)
	env, err := mg.New(cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	pl := env.(probe.Placeable)
	for _, seed := range []uint64{3, 4} {
		if seed != l.Seed() {
			l.Reset(seed)
		}
		got, err := l.LevelVectors()
		if err != nil {
			t.Fatal(err)
		}
		env.Reset(seed)
		want, err := probe.VectorField(p, pl, pl.GoalTile())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("level %d: %d arrows, want %d", seed, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Tile != w.Tile || math.Abs(g.DX-w.DX) > 1e-6 || math.Abs(g.DY-w.DY) > 1e-6 {
				t.Fatalf("level %d arrow %d: %+v, want %+v", seed, i, g, w)
			}
		}
		if seed == 3 && l.Steps() != steps {
			t.Errorf("computing the field moved the live episode from step %d to %d", steps, l.Steps())
		}
	}
	// A game whose agent and goal cannot be placed has no field.
	g, _ := envs.Lookup("coinrun")
	clv, _ := app.GameVariant("coinrun", "train")
	cr, err := g.New(clv.Config, clv.Obs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Vectors(p)(cr); err == nil {
		t.Error("a coinrun vector field was computed")
	}
}
