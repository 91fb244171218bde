package render

import (
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/schema"
)

// A field of full-length arrows on every open tile inks at least a few
// pixels per tile, at scale pixels per tile, with the level drawn under it.
func TestDrawVectorField(t *testing.T) {
	cfg := maze.DefaultConfig()
	cfg.Size, cfg.CheeseRegion = 7, 0
	env, err := maze.New(*cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: 13})
	if err != nil {
		t.Fatal(err)
	}
	env.Reset(envs.EvalSeedBase + 3)
	f := schema.VectorField{Goal: env.GoalTile()}
	for _, tile := range env.OpenTiles() {
		if tile != f.Goal {
			f.Start = tile
			f.Arrows = append(f.Arrows, schema.Arrow{Tile: tile, DX: 1})
		}
	}
	img, err := DrawVectorField(env, f, 20)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 7*20 || img.Bounds().Dy() != 7*20 {
		t.Fatalf("image %v, want 140×140", img.Bounds())
	}
	inked := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if c := img.Pix[i : i+3]; c[0] == ArrowColor.R && c[1] == ArrowColor.G && c[2] == ArrowColor.B {
			inked++
		}
	}
	if inked < 5*len(f.Arrows) {
		t.Errorf("%d arrow pixels for %d arrows: the arrows were not drawn", inked, len(f.Arrows))
	}
	if _, err := DrawVectorField(env, schema.VectorField{Start: envs.Point{X: -1, Y: 0}, Goal: f.Goal}, 20); err == nil {
		t.Error("agent off the level: want an error")
	}
}
