package envs

import (
	"image/color"
	"strings"
	"testing"
)

func TestRenderGridOrientationAndScale(t *testing.T) {
	g := NewGrid(3, 2)
	g.Set(0, 0, 1) // bottom-left
	g.Set(2, 1, 2) // top-right
	var pal Palette
	pal[0] = color.RGBA{0, 0, 0, 255}
	pal[1] = color.RGBA{255, 0, 0, 255}
	pal[2] = color.RGBA{0, 0, 255, 255}
	for _, scale := range []int{1, 4} {
		c := RenderGrid(g, scale, &pal)
		b := c.Img.Bounds()
		if b.Dx() != 3*scale || b.Dy() != 2*scale {
			t.Fatalf("scale %d: image %v", scale, b)
		}
		for ci, p := range []struct {
			px, py int
			want   color.RGBA
		}{
			{0, 2*scale - 1, pal[1]},   // bottom-left pixel
			{scale - 1, scale, pal[1]}, // top-right pixel of tile (0,0)
			{3*scale - 1, 0, pal[2]},   // top-right pixel
			{2 * scale, scale - 1, pal[2]},
			{scale, scale, pal[0]},
			{0, 0, pal[0]},
		} {
			if got := c.Img.RGBAAt(p.px, p.py); got != p.want {
				t.Errorf("scale %d case %d: pixel (%d, %d) = %v, want %v", scale, ci, p.px, p.py, got, p.want)
			}
		}
	}
}

func TestCanvasCircleAndRectClip(t *testing.T) {
	c := NewCanvas(4, 4, 10)
	red := color.RGBA{255, 0, 0, 255}
	c.TileCircle(1, 1, 0.4, red)
	// Centre of tile (1,1) is pixel (15, 25); radius 4 px.
	if c.Img.RGBAAt(15, 25) != red || c.Img.RGBAAt(18, 25) != red {
		t.Error("disc centre not painted")
	}
	if c.Img.RGBAAt(15+5, 25) == red || c.Img.RGBAAt(10, 20) == red {
		t.Error("disc painted outside its radius")
	}
	painted := 0
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			if c.Img.RGBAAt(x, y) == red {
				painted++
			}
		}
	}
	if painted < 40 || painted > 60 { // π·4² ≈ 50
		t.Errorf("disc of radius 4 px painted %d pixels", painted)
	}
	// Rectangles partly outside are clipped without panicking.
	c.Rect(-3, -3, 1.5, 0.5, red)
	if c.Img.RGBAAt(0, 39) != red || c.Img.RGBAAt(14, 35) != red || c.Img.RGBAAt(15, 39) == red || c.Img.RGBAAt(0, 34) == red {
		t.Error("clipped rect painted the wrong pixels")
	}
	c.TileRect(3, 3, 0.25, red)
	if c.Img.RGBAAt(35, 5) != red || c.Img.RGBAAt(31, 1) == red {
		t.Error("inset tile rect wrong")
	}
}

func TestCanvasTileShape(t *testing.T) {
	c := NewCanvas(3, 2, 10)
	red := color.RGBA{255, 0, 0, 255}
	// The lower-right quarter of tile (2, 0), the bottom-right tile.
	c.TileShape(2, 0, func(u, v float32) bool { return u > 0.5 && v < 0.5 }, red)
	for y := 0; y < 20; y++ {
		for x := 0; x < 30; x++ {
			want := x >= 25 && y >= 15
			if got := c.Img.RGBAAt(x, y) == red; got != want {
				t.Fatalf("pixel (%d, %d) painted %v, want %v", x, y, got, want)
			}
		}
	}
}

func TestASCII(t *testing.T) {
	g := levelFromRows(
		"0110",
		"0005",
	)
	chars := [256]byte{'.', '#'}
	got := ASCII(g, &chars, Glyph{0, 0, 'M'}, Glyph{3, 1, 'C'}, Glyph{9, 9, 'X'})
	want := strings.Join([]string{".##C", "M..?"}, "\n") + "\n"
	if got != want {
		t.Errorf("ASCII =\n%s\nwant\n%s", got, want)
	}
}
