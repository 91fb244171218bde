package envs

import (
	"image/color"
	"testing"
)

func benchWindow() *Window {
	w := NewWindow(13)
	r := NewRNG(1)
	for i := range w.Codes {
		w.Codes[i] = uint8(r.Intn(5))
	}
	return w
}

func BenchmarkSymbolicEncode13(b *testing.B) {
	w := benchWindow()
	e := NewSymbolicEncoder(13, 5)
	for c := 0; c < 5; c++ {
		e.SetChannels(uint8(c), c)
	}
	dst := make([]float32, e.Size())
	b.ReportAllocs()
	for b.Loop() {
		e.Encode(dst, w)
	}
}

func BenchmarkRGBEncode13To64(b *testing.B) {
	w := benchWindow()
	var pal Palette
	for i := range pal {
		pal[i] = color.RGBA{uint8(i * 40), 100, 200, 255}
	}
	e := NewRGBEncoder(13, 64, &pal)
	dst := make([]float32, e.Size3())
	b.ReportAllocs()
	for b.Loop() {
		e.Encode(dst, w)
	}
}

func BenchmarkWindowLoad13(b *testing.B) {
	g := NewGrid(25, 25)
	w := NewWindow(13)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Load(g, i%25, (i/25)%25, 9)
		i++
	}
}

func BenchmarkKruskalMaze25(b *testing.B) {
	g := NewGrid(25, 25)
	var s *MazeScratch
	r := NewRNG(1)
	b.ReportAllocs()
	for b.Loop() {
		s = CarveKruskalMaze(g, &r, 0, 1, s)
	}
}
