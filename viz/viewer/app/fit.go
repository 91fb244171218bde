package app

import (
	"image"
	"math"
)

// crisp is the smallest share of the window-filling scale that an integer
// scale must reach to be preferred: integer scales keep every pixel of the
// frame the same size on screen.
const crisp = 0.9

// Fit is the scale and top-left position at which a frame of size frame
// fills a screen of size screen, centred, keeping its aspect ratio: the
// largest scale that fits, rounded down to an integer when that keeps at
// least 90% of it (crisp pixels), else as is. A frame larger than the
// screen is shrunk to fit. An empty frame or screen gives scale 1 at the
// origin.
func Fit(frame, screen image.Point) (scale float64, origin image.Point) {
	if frame.X <= 0 || frame.Y <= 0 || screen.X <= 0 || screen.Y <= 0 {
		return 1, image.Point{}
	}
	s := math.Min(float64(screen.X)/float64(frame.X), float64(screen.Y)/float64(frame.Y))
	if s >= 1 && math.Floor(s) >= crisp*s {
		s = math.Floor(s)
	}
	return s, image.Pt(int((float64(screen.X)-s*float64(frame.X))/2), int((float64(screen.Y)-s*float64(frame.Y))/2))
}

// DefaultWindow is the window size, in device-independent pixels, when
// the monitor's size is unknown.
var DefaultWindow = image.Pt(1280, 720)

// WindowSize is the size, in device-independent pixels, to open the
// window at for a first frame of size frame (in device pixels, deviceScale
// of them per device-independent pixel) on a monitor of size monitor
// (device-independent): the frame at the largest integer scale that fits
// 90% of the monitor, or shrunk to fit it when even scale 1 does not.
// An unknown monitor size (zero) gives DefaultWindow.
func WindowSize(frame, monitor image.Point, deviceScale float64) image.Point {
	if monitor.X <= 0 || monitor.Y <= 0 || frame.X <= 0 || frame.Y <= 0 || deviceScale <= 0 {
		return DefaultWindow
	}
	room := image.Pt(int(crisp*float64(monitor.X)*deviceScale), int(crisp*float64(monitor.Y)*deviceScale))
	s := math.Min(float64(room.X)/float64(frame.X), float64(room.Y)/float64(frame.Y))
	if s >= 1 {
		s = math.Floor(s)
	}
	return image.Pt(int(math.Round(s*float64(frame.X)/deviceScale)), int(math.Round(s*float64(frame.Y)/deviceScale)))
}
