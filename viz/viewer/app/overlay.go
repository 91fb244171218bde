package app

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/render"
)

// overlay is the live window's vector-field overlay: the policy's
// expected move on every open tile of the level shown, computed once per
// level on a scratch env (so the live episode is never disturbed) and
// drawn over the level while on.
type overlay struct {
	field  VectorField              // nil: the game has none
	newEnv func() (envs.Env, error) // builds the scratch env
	on     bool

	scratch envs.Env
	arrows  []schema.Arrow
	seed    uint64 // level of arrows
	cached  bool
}

// VectorsNote is the status line's answer to key v when no policy plays.
const VectorsNote = "v: vector fields need a live policy (-checkpoint <file> -env maze)"

// ToggleVectors turns the vector-field overlay on or off (key v). Where
// it does not apply (a person plays, or the game's agent and goal cannot
// be placed) the overlay stays off and Status says why.
func (l *Live) ToggleVectors() {
	switch {
	case l.actor == nil:
		l.note = VectorsNote
	case l.vectors.field == nil:
		l.note = fmt.Sprintf("v: %s has no vector field (its agent and goal cannot be placed; maze has one)", l.Game)
	default:
		l.vectors.on = !l.vectors.on
		l.note = ""
	}
}

// VectorsOn reports whether the vector-field overlay is shown.
func (l *Live) VectorsOn() bool { return l.vectors.on }

// Status is the live window's status line: game, variant, level, whether
// the vector field is shown, and the last key's message, if any.
func (l *Live) Status() string {
	s := fmt.Sprintf("%s %s level %d", l.Game, l.Variant, l.seed)
	if l.vectors.on {
		s += "  vector field"
	}
	if l.note != "" {
		s += "  " + l.note
	}
	return s
}

// drawVectors draws the level's arrows over a frame from render.Draw with
// layout lay when the overlay is on. A failure to compute them turns the
// overlay off and puts the error in the status line.
func (l *Live) drawVectors(img *image.RGBA, lay render.Layout) {
	if !l.vectors.on {
		return
	}
	arrows, err := l.LevelVectors()
	if err != nil {
		l.vectors.on = false
		l.note = "v: " + err.Error()
		return
	}
	render.DrawArrows(img, lay.View, lay.Scale, lay.CameraX, arrows)
}

// LevelVectors returns the vector field of the level shown, the arrows
// the overlay draws: computed on the first call for a level, then reused
// until the level changes. It panics when the live policy has no vector
// field (check with ToggleVectors and VectorsOn first; a programmer
// error).
func (l *Live) LevelVectors() ([]schema.Arrow, error) {
	if l.vectors.field == nil {
		panic("viewer: LevelVectors without a vector field")
	}
	return l.vectors.level(l.seed)
}

// level returns the arrows of level seed, computing them unless they are
// those of the last level asked for.
func (o *overlay) level(seed uint64) ([]schema.Arrow, error) {
	if o.cached && o.seed == seed {
		return o.arrows, nil
	}
	if o.scratch == nil {
		env, err := o.newEnv()
		if err != nil {
			return nil, err
		}
		o.scratch = env
	}
	o.scratch.Reset(seed)
	arrows, err := o.field(o.scratch)
	if err != nil {
		return nil, err
	}
	o.arrows, o.seed, o.cached = arrows, seed, true
	return arrows, nil
}
