package audit

import (
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/viz/render"
)

// A policy that always moves right draws a full-length arrow on every
// open tile of both images, at scale pixels per tile.
func TestVectorFieldPairDrawsArrows(t *testing.T) {
	cfg := maze.DefaultConfig()
	cfg.Size, cfg.CheeseRegion = 7, 0
	env, err := maze.New(*cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: 13})
	if err != nil {
		t.Fatal(err)
	}
	roles, err := probe.ResolveRoles(env.Spec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := agents.NewPolicy(agents.PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, agents.IOOf(env.Spec()), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	setParam(t, p, "actor.b", func(v []float32, _ []int64) { v[roles.Right] = 20 })
	train, moved, err := VectorFieldPair(p, env, envs.EvalSeedBase+3, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []struct {
		name string
		pix  []uint8
		dx   int
	}{{"train", train.Pix, train.Bounds().Dx()}, {"moved", moved.Pix, moved.Bounds().Dy()}} {
		if img.dx != 7*20 {
			t.Errorf("%s image %d pixels wide, want 140", img.name, img.dx)
		}
		inked := 0
		for i := 0; i < len(img.pix); i += 4 {
			c := img.pix[i : i+3]
			if c[0] == render.ArrowColor.R && c[1] == render.ArrowColor.G && c[2] == render.ArrowColor.B {
				inked++
			}
		}
		if inked < 100 {
			t.Errorf("%s: %d arrow pixels: the arrows were not drawn", img.name, inked)
		}
	}
}
