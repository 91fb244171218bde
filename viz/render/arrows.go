package render

import (
	"image"
	"image/color"
	"math"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

// ArrowColor is the ink of vector-field arrows.
var ArrowColor = color.RGBA{R: 200, G: 20, B: 60, A: 255}

// DrawArrows draws arrows over a level drawn at scale pixels per tile into
// the rectangle view of img, whose left edge is level x cameraX (in pixels
// at scale) and which shows all view.Dy()/scale rows (as Layout's View,
// Scale and CameraX describe a frame from Draw). Each arrow starts at its
// tile's centre; a full-length one (|move| = 1) reaches 0.45 tile and gets
// a head, a near-zero one is a dot. Nothing is drawn outside view. It
// panics when scale < 1 (a programmer error).
func DrawArrows(img *image.RGBA, view image.Rectangle, scale, cameraX int, arrows []schema.Arrow) {
	if scale < 1 {
		panic("render: DrawArrows with scale < 1")
	}
	clip := view.Intersect(img.Rect)
	rows := view.Dy() / scale
	s := float64(scale)
	for _, a := range arrows {
		cx := float64(view.Min.X) + (float64(a.Tile.X)+0.5)*s - float64(cameraX)
		cy := float64(view.Min.Y) + (float64(rows-a.Tile.Y)-0.5)*s
		drawArrow(img, clip, cx, cy, a.DX, -a.DY, s)
	}
}

// drawArrow draws one arrow from (cx, cy) along (dx, dy) (image axes, y
// downwards) at s pixels per tile, clipped to clip.
func drawArrow(img *image.RGBA, clip image.Rectangle, cx, cy, dx, dy, s float64) {
	n := math.Hypot(dx, dy)
	if n < 1e-3 {
		dot(img, clip, cx, cy)
		return
	}
	ex, ey := cx+0.45*s*dx, cy+0.45*s*dy
	line(img, clip, cx, cy, ex, ey)
	// Arrowhead: two strokes at ±150° from the direction.
	ux, uy := dx/n, dy/n
	h := 0.18 * s * math.Min(1, 2*n)
	for _, sign := range []float64{1, -1} {
		c, si := math.Cos(5*math.Pi/6), sign*math.Sin(5*math.Pi/6)
		line(img, clip, ex, ey, ex+h*(ux*c-uy*si), ey+h*(ux*si+uy*c))
	}
}

// line draws a 2-pixel-wide segment in ArrowColor, clipped to clip.
func line(img *image.RGBA, clip image.Rectangle, x0, y0, x1, y1 float64) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		dot(img, clip, x0+t*(x1-x0), y0+t*(y1-y0))
	}
}

// dot paints the 2×2 pixels at (x, y) in ArrowColor, clipped to clip.
func dot(img *image.RGBA, clip image.Rectangle, x, y float64) {
	px, py := int(math.Floor(x)), int(math.Floor(y))
	for dy := 0; dy < 2; dy++ {
		for dx := 0; dx < 2; dx++ {
			if (image.Point{px + dx, py + dy}).In(clip) {
				img.SetRGBA(px+dx, py+dy, ArrowColor)
			}
		}
	}
}

// Placer is a level whose agent and goal can be put on open tiles and
// which draws itself (envs/maze implements it).
type Placer interface {
	Place(agent, goal envs.Point) error
	Render(scale int) *image.RGBA
}

// DrawVectorField draws env's current level at scale pixels per tile with
// the agent on f.Start and the goal on f.Goal, and f's arrows over it
// (DrawArrows). It fails when the tiles cannot be placed.
func DrawVectorField(env Placer, f schema.VectorField, scale int) (*image.RGBA, error) {
	if err := env.Place(f.Start, f.Goal); err != nil {
		return nil, err
	}
	img := env.Render(scale)
	DrawArrows(img, img.Bounds(), scale, 0, f.Arrows)
	return img, nil
}
