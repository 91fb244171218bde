package colourshape

import (
	"image"
	"image/color"

	"github.com/misgen/misgen/envs"
)

// colourRGB is the drawing colour of each of Colours.
var colourRGB = []color.RGBA{
	{240, 200, 20, 255}, // yellow
	{215, 40, 35, 255},  // red
	{40, 90, 225, 255},  // blue
}

// glyphs draw each of Shapes inside a tile.
var glyphs = []envs.Shape{
	// line: a horizontal bar across the tile
	func(u, v float32) bool { return u > 0.1 && u < 0.9 && v > 0.35 && v < 0.65 },
	// gem: a diamond
	func(u, v float32) bool { return abs32(u-0.5)+abs32(v-0.5) < 0.42 },
	// disc
	func(u, v float32) bool { return (u-0.5)*(u-0.5)+(v-0.5)*(v-0.5) < 0.38*0.38 },
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// palette colours tiles and window codes. Object codes show as floor: the
// RGB encoder paints their glyphs over it.
var palette = func() *envs.Palette {
	var p envs.Palette
	p[tileFloor] = color.RGBA{205, 200, 185, 255}
	p[tileWall] = color.RGBA{45, 70, 50, 255}
	p[codeOutside] = color.RGBA{0, 0, 0, 255}
	p[codeAgent] = color.RGBA{150, 60, 190, 255}
	for c := range Colours {
		for s := range Shapes {
			p[object{colour: c, shape: s}.code()] = p[tileFloor]
		}
	}
	return &p
}()

var asciiChars = [256]byte{tileFloor: '.', tileWall: '#'}

// Render implements envs.Env: the whole maze, the objects as glyphs in
// their colours (the one reached, if any, left out) and the agent.
func (e *Env) Render(scale int) *image.RGBA {
	c := envs.RenderGrid(&e.lvl.grid, scale, palette)
	for i, o := range e.lvl.objects {
		if i != e.reached {
			c.TileShape(o.pos.X, o.pos.Y, glyphs[o.shape], colourRGB[o.colour])
		}
	}
	c.TileCircle(e.agent.X, e.agent.Y, 0.35, palette[codeAgent])
	return c.Img
}

// ASCII implements envs.Env: '#' wall, '.' floor, 'A' agent, and each
// object as the first letter of its shape, upper case for the goal colour
// ('L' a goal-coloured line, 'g' a gem of another colour).
func (e *Env) ASCII() string {
	glyphs := make([]envs.Glyph, 0, len(e.lvl.objects)+1)
	for i, o := range e.lvl.objects {
		if i == e.reached {
			continue
		}
		ch := Shapes[o.shape][0]
		if Colours[o.colour] == e.cfg.Colour {
			ch -= 'a' - 'A'
		}
		glyphs = append(glyphs, envs.Glyph{X: o.pos.X, Y: o.pos.Y, Ch: ch})
	}
	glyphs = append(glyphs, envs.Glyph{X: e.agent.X, Y: e.agent.Y, Ch: 'A'})
	return envs.ASCII(&e.lvl.grid, &asciiChars, glyphs...)
}
