package render

import (
	"image"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

// TestDrawArrowsPlacesAndClips: an arrow is drawn from its tile's centre,
// shifted by the view's origin and the camera, and nothing lands outside
// the view (an arrow on a tile the camera has scrolled past draws nothing).
func TestDrawArrowsPlacesAndClips(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 60))
	view := image.Rect(20, 10, 60, 50) // 4 × 4 tiles at scale 10
	arrows := []schema.Arrow{{Tile: envs.Point{X: 3, Y: 0}, DX: -1}, {Tile: envs.Point{X: 1, Y: 3}}}
	DrawArrows(img, view, 10, 20, arrows) // level x 20 px (tile 2) at the left edge
	ink := 0
	for y := 0; y < 60; y++ {
		for x := 0; x < 100; x++ {
			if img.RGBAAt(x, y) != ArrowColor {
				continue
			}
			ink++
			if !(image.Point{x, y}).In(view) {
				t.Errorf("ink at (%d, %d), outside the view %v", x, y, view)
			}
		}
	}
	// Tile (3, 0) is the view's second column, bottom row: centre
	// (20 + 15, 10 + 35); the left arrow reaches 4.5 px to the left.
	for _, p := range []image.Point{{35, 45}, {31, 45}} {
		if img.RGBAAt(p.X, p.Y) != ArrowColor {
			t.Errorf("no ink at %v", p)
		}
	}
	if img.RGBAAt(38, 45) == ArrowColor {
		t.Error("the left arrow points right")
	}
	if ink == 0 || ink > 40 {
		t.Errorf("%d inked pixels: want one short arrow", ink)
	}
}
