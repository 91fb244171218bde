package policy

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
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
