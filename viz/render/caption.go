package render

import (
	"image"
	"image/draw"
)

// CaptionHeight is the height in pixels of a one-line Caption strip.
const CaptionHeight = lineH + 2*padding

// Caption returns a copy of img with line written in a strip below it, in
// the HUD's font and dim text colour on the panel colour. The copy is as
// wide as img or the text, whichever is wider, and img sits at its top
// left, so img's layout (the timeline, side-by-side offsets) still applies.
// The viewer window keeps its key legend on screen this way.
func Caption(img *image.RGBA, line string) *image.RGBA {
	w := max(img.Rect.Dx(), 2*padding+len(line)*charW)
	h := img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h+CaptionHeight))
	fill(out, out.Rect, colPanel)
	draw.Draw(out, image.Rect(0, 0, img.Rect.Dx(), h), img, img.Rect.Min, draw.Src)
	drawText(out, padding, h+padding, line, colDim, 0)
	return out
}
