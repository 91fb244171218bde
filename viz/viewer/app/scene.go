package app

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/viewer/control"
)

// Scene renders what the controller says to show: the current episode's
// frame, or in side-by-side mode the ID episode on the left and its OOD
// partner on the right. It keeps one render.Player per episode so moving
// between frames only steps the games.
type Scene struct {
	Eps     []replay.Episode
	Opts    render.Options
	players map[int]*render.Player
}

// NewScene prepares eps for rendering with opts.
func NewScene(eps []replay.Episode, opts render.Options) *Scene {
	return &Scene{Eps: eps, Opts: opts, players: map[int]*render.Player{}}
}

func (s *Scene) player(i int) (*render.Player, error) {
	if p, ok := s.players[i]; ok {
		return p, nil
	}
	p, err := render.NewPlayer(&s.Eps[i], s.Opts)
	if err != nil {
		return nil, fmt.Errorf("episode %d: %w", i, err)
	}
	s.players[i] = p
	return p, nil
}

// Outcomes is the outcome order of the episodes' game (Spec.Outcomes of the
// first episode), for the controller's filter cycle.
func (s *Scene) Outcomes() []envs.Outcome {
	if len(s.Eps) == 0 {
		return nil
	}
	p, err := s.player(0)
	if err != nil {
		return nil
	}
	return p.Spec().Outcomes
}

// Render draws the controller's state. timeline is the layout whose
// Timeline seeks the controller: the one of the episode the controller's
// frame belongs to, placed at offset (its x position in the image). It
// returns a blank image when the filter leaves no episode.
func (s *Scene) Render(c *control.Controller) (img *image.RGBA, timeline render.Layout, offset image.Point, err error) {
	e := c.Episode()
	if e < 0 {
		return image.NewRGBA(image.Rect(0, 0, 320, 120)), render.Layout{}, image.Point{}, nil
	}
	p, err := s.player(e)
	if err != nil {
		return nil, render.Layout{}, image.Point{}, err
	}
	a, la, err := p.Frame(c.Frame())
	if err != nil {
		return nil, render.Layout{}, image.Point{}, err
	}
	partner := c.Partner()
	if partner < 0 {
		return a, la, image.Point{}, nil
	}
	q, err := s.player(partner)
	if err != nil {
		return nil, render.Layout{}, image.Point{}, err
	}
	b, _, err := q.Frame(c.PartnerFrame())
	if err != nil {
		return nil, render.Layout{}, image.Point{}, err
	}
	// ID on the left, OOD on the right, whichever is the current one.
	if s.Eps[e].ID() {
		return render.SideBySide(a, b), la, image.Point{}, nil
	}
	return render.SideBySide(b, a), la, image.Pt(b.Rect.Dx(), 0), nil
}

// Click handles a mouse press at image point pt, given the timeline layout
// and offset Render returned: on the timeline it seeks the controller to
// the frame under pt and reports true.
func (s *Scene) Click(c *control.Controller, l render.Layout, offset, pt image.Point) bool {
	e := c.Episode()
	if e < 0 {
		return false
	}
	f, ok := l.SeekFrame(pt.Sub(offset), len(s.Eps[e].Steps))
	if !ok {
		return false
	}
	c.Seek(f)
	return true
}
