// Package palette is the one home of the colours that carry meaning in
// misgen's figures, report and viewer: the outcome that reached the true
// goal is always drawn in the success (green) family, the proxy outcome —
// the goal-misgeneralization failure — in the failure (red) family, and
// every other ending (died, timeout, …) in neutral greys and browns, so a
// reader never has to re-learn which colour is bad.
package palette

import (
	"fmt"
	"image/color"
)

// Role is what an outcome means for the question misgen asks.
type Role int

const (
	// Other is any ending that is neither the true goal nor the proxy.
	Other Role = iota
	// Success reached the true goal.
	Success
	// Proxy pursued the proxy goal instead: the failure of interest.
	Proxy
)

// Outcomes names a game's success and proxy outcomes (envs.Spec.Success and
// envs.Spec.Proxy); the zero value knows neither.
type Outcomes struct {
	Success, Proxy string
}

// Of is the role of outcome.
func (r Outcomes) Of(outcome string) Role {
	switch {
	case outcome == "":
		return Other
	case outcome == r.Success:
		return Success
	case outcome == r.Proxy:
		return Proxy
	}
	return Other
}

// The family colours, chosen to read on white (plots, report) and on the
// viewer's dark panels alike.
var (
	SuccessColor = color.RGBA{R: 46, G: 158, B: 91, A: 255} // green
	ProxyColor   = color.RGBA{R: 214, G: 78, B: 52, A: 255} // red
	otherColors  = []color.RGBA{{R: 138, G: 138, B: 138, A: 255}, {R: 160, G: 120, B: 80, A: 255}, {R: 110, G: 110, B: 150, A: 255}, {R: 90, G: 90, B: 90, A: 255}}
)

// Color is the colour of an outcome of role; i numbers the outcomes of
// role Other in table order, so several neutral endings stay apart.
func Color(role Role, i int) color.RGBA {
	switch role {
	case Success:
		return SuccessColor
	case Proxy:
		return ProxyColor
	}
	return otherColors[((i%len(otherColors))+len(otherColors))%len(otherColors)]
}

// Hex renders c as a CSS colour, e.g. "#2e9e5b".
func Hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
