package interp

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"

	"github.com/misgen/misgen/internal/atomicfile"
)

// WriteJSON atomically writes v, indented, to dir/name.
func WriteJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("interp: encoding %s: %w", name, err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// WriteText atomically writes text (e.g. a markdown table) to dir/name.
func WriteText(dir, name, text string) error {
	return atomicfile.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
}

// WritePNG atomically writes img as a PNG to dir/name.
func WritePNG(dir, name string, img image.Image) error {
	return atomicfile.Write(filepath.Join(dir, name), 0o644, func(w io.Writer) error { return png.Encode(w, img) })
}

// diverging maps t ∈ [−1, 1] to blue–white–red.
func diverging(t float64) color.RGBA {
	t = math.Max(-1, math.Min(1, t))
	fade := func(a float64) uint8 { return uint8(math.Round(255 * (1 - a))) }
	if t >= 0 {
		return color.RGBA{255, fade(t), fade(t), 255}
	}
	return color.RGBA{fade(-t), fade(-t), 255, 255}
}
