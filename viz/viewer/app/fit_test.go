package app

import (
	"image"
	"testing"
)

func TestFit(t *testing.T) {
	cases := []struct {
		frame, screen image.Point
		scale         float64
		origin        image.Point
	}{
		{image.Pt(100, 50), image.Pt(100, 50), 1, image.Pt(0, 0)},
		{image.Pt(100, 50), image.Pt(210, 106), 2, image.Pt(5, 3)},       // 2.1 → crisp 2
		{image.Pt(100, 50), image.Pt(300, 100), 2, image.Pt(50, 0)},      // height-bound
		{image.Pt(100, 50), image.Pt(150, 1000), 1.5, image.Pt(0, 462)},  // 1.5: integer 1 would waste a third
		{image.Pt(100, 50), image.Pt(105, 1000), 1, image.Pt(2, 475)},    // 1.05 → 1
		{image.Pt(100, 100), image.Pt(290, 290), 2.9, image.Pt(0, 0)},    // 2/2.9 < 0.9: fill
		{image.Pt(624, 310), image.Pt(1280, 720), 2, image.Pt(16, 50)},   // a coinrun frame
		{image.Pt(1248, 310), image.Pt(1280, 720), 1, image.Pt(16, 205)}, // side by side
		{image.Pt(1248, 310), image.Pt(1920, 1080), 1.5384615384615385, image.Pt(0, 301)},
		{image.Pt(200, 100), image.Pt(100, 100), 0.5, image.Pt(0, 25)}, // larger than the screen
		{image.Pt(0, 100), image.Pt(100, 100), 1, image.Pt(0, 0)},
		{image.Pt(100, 100), image.Pt(0, 0), 1, image.Pt(0, 0)},
	}
	for i, c := range cases {
		s, o := Fit(c.frame, c.screen)
		if s != c.scale || o != c.origin {
			t.Errorf("case %d: Fit(%v, %v) = %v %v, want %v %v", i, c.frame, c.screen, s, o, c.scale, c.origin)
		}
		if c.frame.X > 0 && c.screen.X > 0 && (s*float64(c.frame.X) > float64(c.screen.X) || s*float64(c.frame.Y) > float64(c.screen.Y)) {
			t.Errorf("case %d: scaled frame overflows the screen", i)
		}
	}
}

func TestWindowSize(t *testing.T) {
	cases := []struct {
		frame, monitor image.Point
		device         float64
		want           image.Point
	}{
		{image.Pt(624, 322), image.Pt(1920, 1080), 1, image.Pt(1248, 644)}, // 2× fits 90% of 1080
		{image.Pt(624, 322), image.Pt(2560, 1440), 1, image.Pt(1872, 966)}, // 3×: 4× would be wider than 90%
		{image.Pt(624, 322), image.Pt(1280, 800), 2, image.Pt(936, 483)},   // 3× in device pixels, 2 per device-independent one
		{image.Pt(1248, 322), image.Pt(1280, 800), 1, image.Pt(1152, 297)}, // too wide: shrunk to 90%
		{image.Pt(624, 322), image.Pt(0, 0), 1, DefaultWindow},
		{image.Pt(0, 0), image.Pt(1920, 1080), 1, DefaultWindow},
	}
	for i, c := range cases {
		if got := WindowSize(c.frame, c.monitor, c.device); got != c.want {
			t.Errorf("case %d: WindowSize(%v, %v, %v) = %v, want %v", i, c.frame, c.monitor, c.device, got, c.want)
		}
	}
}
