package audit

import (
	"fmt"
	"strings"

	"github.com/misgen/misgen/envs"
)

// ChannelRoles names, for one game's symbolic observation, the channels of
// the true-goal object and of the proxy object, the background channels a
// free cell may carry, and constant planes that are not cells at all.
type ChannelRoles struct {
	Goal, Proxy []string
	// Background channels may be set on a cell that counts as free for
	// placing an object (the maze's floor); any other channel makes the
	// cell occupied.
	Background []string
	// Planes are channels that hold one value over the whole window
	// (CoinRun's velocity), ignored when looking for objects and free cells.
	Planes []string
}

// gameRoles are the channel roles of the registered games whose
// observations the white-box statistics can edit. The proxy of the Maze
// (the top-right corner) is a position, not an object, so it has no
// channel: statistics that compare goal and proxy channels are missing
// (NaN) there.
var gameRoles = map[string]ChannelRoles{
	"coinrun": {Goal: []string{"coin"}, Proxy: []string{"end_zone"}, Planes: []string{"vel_x", "vel_y"}},
	"maze":    {Goal: []string{"cheese"}, Background: []string{"floor"}},
	// Maze II: the goal and proxy channels depend on the config
	// (goalCueConfig).
	"colourshape": {Background: []string{"floor"}},
}

// goalCueConfig is implemented by game configs whose goal object carries
// two cues in separate channels, one the true goal and one the proxy
// (Maze II's colour and shape, GoalChannels of envs/colourshape): the shape
// is the true goal (its outcome is the game's success) and the colour the
// proxy. They override the game's Goal and Proxy roles.
type goalCueConfig interface {
	GoalChannels() (colour, shape string)
}

// RegisterRoles adds the channel roles of a game (for games registered
// outside this package, and tests). It panics if the game already has
// roles (a programmer error at init time).
func RegisterRoles(game string, r ChannelRoles) {
	if _, dup := gameRoles[game]; dup {
		panic("audit: channel roles registered twice for " + game)
	}
	gameRoles[game] = r
}

// Roles are ChannelRoles resolved against a Spec: channel indices, and each
// action's direction of movement.
type Roles struct {
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

// ResolveRoles looks up the game's channel roles (config, the game config
// of the observations, may override them; nil keeps the game's) and
// resolves them against its symbolic Spec. An RGB observation or a game
// without roles is an error: the white-box statistics edit named channels.
func ResolveRoles(spec envs.Spec, config any) (Roles, error) {
	cr, ok := gameRoles[spec.Game]
	if !ok {
		return Roles{}, fmt.Errorf("audit: game %q has no channel roles (which channels hold the goal and the proxy)", spec.Game)
	}
	if gc, ok := config.(goalCueConfig); ok {
		colour, shape := gc.GoalChannels()
		cr.Goal, cr.Proxy = []string{shape}, []string{colour}
	}
	if len(spec.Channels) == 0 {
		return Roles{}, fmt.Errorf("audit: game %q: the white-box audit needs symbolic observations (named channels)", spec.Game)
	}
	r := Roles{Right: -1, Left: -1}
	var err error
	for _, f := range []struct {
		names []string
		dst   *[]int
	}{{cr.Goal, &r.Goal}, {cr.Proxy, &r.Proxy}, {cr.Background, &r.Background}, {cr.Planes, &r.Planes}} {
		for _, n := range f.names {
			i := indexOf(spec.Channels, n)
			if i < 0 {
				err = fmt.Errorf("audit: game %q has no channel %q (channels %q)", spec.Game, n, spec.Channels)
			}
			*f.dst = append(*f.dst, i)
		}
	}
	if err != nil {
		return Roles{}, err
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
