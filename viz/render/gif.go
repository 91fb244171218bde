package render

import (
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"

	"github.com/misgen/misgen/viz/replay"
)

// GIFOptions control WriteGIF.
type GIFOptions struct {
	Options
	// Delay is the time each frame shows, in hundredths of a second
	// (0: 5, i.e. 20 frames per second).
	Delay int
	// Every keeps every Every-th frame (0: as few as keep at most
	// MaxFrames). The first and the last frame are always kept.
	Every int
	// MaxFrames bounds the frame count when Every is 0 (0: 300), keeping
	// long episodes' GIFs small enough for a report.
	MaxFrames int
	// FinalHold is how many extra delays the last frame stays up before
	// the animation loops (0: 20, one second at the default delay).
	FinalHold int
}

// GIFFrames lists the frame indices WriteGIF keeps for an episode of steps
// steps: 0, every, 2·every, ... and always the final frame steps.
func GIFFrames(steps int, o GIFOptions) []int {
	every := o.Every
	if every <= 0 {
		maxFrames := o.MaxFrames
		if maxFrames <= 1 {
			maxFrames = 300
		}
		// ceil(steps / (maxFrames-1)) keeps at most maxFrames frames
		// including the final one.
		every = max(1, (steps+maxFrames-2)/(maxFrames-1))
	}
	var idx []int
	for i := 0; i < steps; i += every {
		idx = append(idx, i)
	}
	return append(idx, steps)
}

// WriteGIF writes ep as a looping animated GIF, one image per kept frame
// (GIFFrames). Frames are quantised to the exact colours they use when
// there are at most 256 (the usual case: tile palettes and bitmap text),
// otherwise to the Plan 9 palette without dithering, so pixel art stays
// crisp.
func WriteGIF(w io.Writer, ep *replay.Episode, o GIFOptions) error {
	p, err := NewPlayer(ep, o.Options)
	if err != nil {
		return err
	}
	idx := GIFFrames(len(ep.Steps), o)
	frames := make([]*image.RGBA, 0, len(idx))
	for _, i := range idx {
		img, _, err := p.Frame(i)
		if err != nil {
			return err
		}
		frames = append(frames, img)
	}
	delay := o.Delay
	if delay <= 0 {
		delay = 5
	}
	hold := o.FinalHold
	if hold <= 0 {
		hold = 20
	}
	q := newQuantiser(framePalette(frames))
	anim := &gif.GIF{LoopCount: 0}
	for k, img := range frames {
		pm := q.paletted(img)
		d := delay
		if k == len(frames)-1 {
			d = delay * hold
		}
		anim.Image = append(anim.Image, pm)
		anim.Delay = append(anim.Delay, d)
	}
	if err := gif.EncodeAll(w, anim); err != nil {
		return fmt.Errorf("render: encoding GIF of %s: %w", ep, err)
	}
	return nil
}

// quantiser maps RGBA frames to palette indices, remembering each colour's
// nearest entry: frames hold few distinct colours, so this is much faster
// than a nearest-colour search per pixel.
type quantiser struct {
	pal   color.Palette
	index map[uint32]uint8
}

func newQuantiser(pal color.Palette) *quantiser {
	return &quantiser{pal: pal, index: make(map[uint32]uint8, len(pal))}
}

func (q *quantiser) paletted(img *image.RGBA) *image.Paletted {
	pm := image.NewPaletted(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()), q.pal)
	lastKey, lastIdx := uint32(1<<31), uint8(0) // no RGB colour has bit 31 set
	for y := 0; y < pm.Rect.Dy(); y++ {
		src := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		dst := pm.Pix[y*pm.Stride : y*pm.Stride+pm.Rect.Dx()]
		for x := range dst {
			p := src[4*x : 4*x+3 : 4*x+3]
			key := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
			if key != lastKey {
				idx, ok := q.index[key]
				if !ok {
					idx = uint8(q.pal.Index(color.RGBA{R: p[0], G: p[1], B: p[2], A: 255}))
					q.index[key] = idx
				}
				lastKey, lastIdx = key, idx
			}
			dst[x] = lastIdx
		}
	}
	return pm
}

// framePalette is the set of colours used by frames if it has at most 256
// entries, else the Plan 9 palette.
func framePalette(frames []*image.RGBA) color.Palette {
	seen := map[uint32]bool{}
	var pal color.Palette
	last := uint32(1 << 31)
	for _, img := range frames {
		for off := 0; off+3 < len(img.Pix); off += 4 {
			k := uint32(img.Pix[off])<<16 | uint32(img.Pix[off+1])<<8 | uint32(img.Pix[off+2])
			if k == last || seen[k] {
				last = k
				continue
			}
			last = k
			if len(pal) == 256 {
				return palette.Plan9
			}
			seen[k] = true
			pal = append(pal, color.RGBA{R: uint8(k >> 16), G: uint8(k >> 8), B: uint8(k), A: 255})
		}
	}
	if len(pal) == 0 {
		pal = color.Palette{color.Black}
	}
	return pal
}
