package probe

import (
	"fmt"
	"math"
	"strings"

	"github.com/misgen/misgen/envs"
)

// goalCueConfig is implemented by game configs whose goal object carries
// two cues in separate channels, one the true goal and one the proxy
// (Maze II's colour and shape, GoalChannels of envs/colourshape): the shape
// is the true goal (its outcome is the game's success) and the colour the
// proxy. They override the game's Goal and Proxy roles.
type goalCueConfig interface {
	GoalChannels() (colour, shape string)
}

// Channels are a game's channel roles resolved against one observation Spec:
// where envs.ChannelRoles names the channels that draw the goal, the
// proxy, the background and the constant planes, Channels holds their
// indices in the Spec's observation, and each action's direction of
// movement.
type Channels struct {
	Goal, Proxy, Background, Planes []int
	// MoveX, MoveY give each action's intended direction (−1, 0 or +1;
	// y grows upwards), parsed from the action names: "left"/"right",
	// "up" or "jump"/"down".
	MoveX, MoveY []float64
	// Right and Left are the indices of the plain "right" and "left"
	// actions (−1 when the game has none): the right-minus-left logit is
	// the direction the bilinear statistic reads.
	Right, Left int
}

// ResolveChannels looks up the game's channel roles (envs.Game.Channels;
// config, the game config of the observations, may override them; nil
// keeps the game's) and resolves them against its symbolic Spec. An RGB
// observation or a game without roles is an error: the white-box
// statistics edit named channels.
func ResolveChannels(spec envs.Spec, config any) (Channels, error) {
	g, err := envs.Lookup(spec.Game)
	if err != nil {
		return Channels{}, fmt.Errorf("probe: %w", err)
	}
	cr := g.Channels
	if gc, ok := config.(goalCueConfig); ok {
		colour, shape := gc.GoalChannels()
		cr.Goal, cr.Proxy = []string{shape}, []string{colour}
	}
	if len(cr.Goal) == 0 {
		return Channels{}, fmt.Errorf("probe: game %q has no channel roles (envs.Game.Channels: which channels hold the goal and the proxy)", spec.Game)
	}
	if len(spec.Channels) == 0 {
		return Channels{}, fmt.Errorf("probe: game %q: the white-box audit needs symbolic observations (named channels)", spec.Game)
	}
	r := Channels{Right: -1, Left: -1}
	for _, f := range []struct {
		names []string
		dst   *[]int
	}{{cr.Goal, &r.Goal}, {cr.Proxy, &r.Proxy}, {cr.Background, &r.Background}, {cr.Planes, &r.Planes}} {
		for _, n := range f.names {
			i := indexOf(spec.Channels, n)
			if i < 0 {
				err = fmt.Errorf("probe: game %q has no channel %q (channels %q)", spec.Game, n, spec.Channels)
			}
			*f.dst = append(*f.dst, i)
		}
	}
	if err != nil {
		return Channels{}, err
	}
	r.MoveX, r.MoveY = make([]float64, spec.NumActions), make([]float64, spec.NumActions)
	for a := 0; a < spec.NumActions && a < len(spec.ActionName); a++ {
		name := spec.ActionName[a]
		r.MoveX[a], r.MoveY[a] = actionDirection(name)
		switch name {
		case "right":
			r.Right = a
		case "left":
			r.Left = a
		}
	}
	return r, nil
}

// ExpectedMove is the policy's expected movement Σ p(a)·(MoveX, MoveY)
// for one row of action log-probabilities (as many as r has actions).
func (r Channels) ExpectedMove(logP []float64) (x, y float64) {
	for a, lp := range logP {
		p := math.Exp(lp)
		x += p * r.MoveX[a]
		y += p * r.MoveY[a]
	}
	return x, y
}

// actionDirection parses an action name such as "left+jump" into its
// intended direction.
func actionDirection(name string) (dx, dy float64) {
	if strings.HasPrefix(name, "none") || name == "noop" {
		return 0, 0
	}
	if strings.Contains(name, "left") {
		dx = -1
	}
	if strings.Contains(name, "right") {
		dx = 1
	}
	if strings.Contains(name, "up") || strings.Contains(name, "jump") {
		dy = 1
	}
	if strings.Contains(name, "down") {
		dy = -1
	}
	return dx, dy
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
