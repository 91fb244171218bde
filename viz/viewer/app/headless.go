package app

import (
	"fmt"
	"image/png"
	"io"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/viewer/control"
)

// Session is a loaded replay set with its controller and scene, as the
// window shows it and the headless exports render it.
type Session struct {
	Eps   []replay.Episode
	Ctl   *control.Controller
	scene *Scene
}

// OpenReplays loads the source of a, applies -filter, -episode and -side
// to a fresh controller and returns the session.
func OpenReplays(a *Args) (*Session, error) {
	eps, err := LoadEpisodes(a.Source)
	if err != nil {
		return nil, err
	}
	scene := NewScene(eps, render.Options{Scale: a.Scale, Greedy: GreedyEval(a.Source)})
	ctl := control.New(ControlEpisodes(eps), scene.Outcomes())
	if a.Filter != "" && !ctl.SetFilter(envs.Outcome(a.Filter)) {
		return nil, fmt.Errorf("viewer: -filter %q: no episode has that outcome; outcomes present: %v", a.Filter, ctl.Filters()[1:])
	}
	if a.Episode >= ctl.Visible() {
		return nil, fmt.Errorf("viewer: -episode %d: %s has %d episodes%s", a.Episode, a.Source, ctl.Visible(), filterNote(a.Filter))
	}
	for ctl.Position() != a.Episode {
		ctl.NextEpisode()
	}
	if a.Side {
		ctl.ToggleSideBySide()
	}
	return &Session{Eps: eps, Ctl: ctl, scene: scene}, nil
}

func filterNote(f string) string {
	if f == "" {
		return ""
	}
	return " with outcome " + f
}

// RunHeadless writes the screenshot or GIF a asks for and reports what it
// wrote to out.
func RunHeadless(a *Args, out io.Writer) error {
	s, err := OpenReplays(a)
	if err != nil {
		return err
	}
	ep := &s.Eps[s.Ctl.Episode()]
	if a.GIF != "" {
		o := render.GIFOptions{Options: s.scene.Opts, Every: a.Every, Delay: a.Delay}
		if err := atomicfile.Write(a.GIF, 0o644, func(w io.Writer) error { return render.WriteGIF(w, ep, o) }); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s: %s, %d frames\n", a.GIF, ep, len(render.GIFFrames(len(ep.Steps), o)))
		return nil
	}
	frame, note, err := ScreenshotFrame(a.Frame, s.Ctl.Last())
	if err != nil {
		return fmt.Errorf("viewer: %s: %w", ep, err)
	}
	if note != "" {
		fmt.Fprintf(out, "viewer: %s: %s\n", ep, note)
	}
	s.Ctl.Seek(frame)
	img, _, _, err := s.scene.Render(s.Ctl)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(a.Screenshot, 0o644, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s: %s frame %d, %dx%d\n", a.Screenshot, ep, frame, img.Rect.Dx(), img.Rect.Dy())
	return nil
}

// ScreenshotFrame is the frame -frame f selects in an episode (or
// side-by-side pair) whose frames are 0..last: f itself, the last frame
// for -1, and for f past the end the last frame with a note saying so.
// Other negative values are an error naming the valid range.
func ScreenshotFrame(f, last int) (frame int, note string, err error) {
	switch {
	case f == -1:
		return last, "", nil
	case f < 0:
		return 0, "", fmt.Errorf("-frame %d: want a frame in 0..%d, or -1 for the last", f, last)
	case f > last:
		return last, fmt.Sprintf("-frame %d is past the end (frames 0..%d): wrote the last frame, %d", f, last, last), nil
	}
	return f, "", nil
}
