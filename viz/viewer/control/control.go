// Package control is the replay viewer's state machine: which episode is
// shown (with an outcome filter and ID/OOD side-by-side pairing), which
// frame, and whether and how fast it plays. It knows nothing about windows
// or drawing, so every key's effect is tested with plain `go test`; the
// ebiten viewer maps input events to these methods and draws the state.
package control

import (
	"slices"

	"github.com/misgen/misgen/envs"
)

// Episode describes one episode of the replay set, as the controller needs
// it.
type Episode struct {
	ID        bool // in-distribution (training variant)
	Variant   string
	TrainSeed int
	LevelSeed uint64
	Outcome   envs.Outcome
	Steps     int // frames are 0..Steps
}

// Speeds are the playback rates in frames per second that SpeedUp and
// SpeedDown step through.
var Speeds = []float64{1, 2, 4, 8, 15, 30, 60, 120}

const defaultSpeed = 4 // index of 15 frames/s

// Controller is the viewer state. The zero value is not usable; call New.
type Controller struct {
	eps     []Episode
	filters []envs.Outcome // "" (all) then each outcome present
	filter  int            // index into filters
	visible []int          // episode indices passing the filter
	cur     int            // index into visible
	partner []int          // paired episode of each episode, -1 for none

	frame      int
	playing    bool
	speed      int
	acc        float64 // fractional frames carried between ticks
	sideBySide bool
	advance    bool    // at the last frame, go on to the next episode
	hold       float64 // seconds left at the last frame before advancing
}

// EndHold is how long, in seconds, playback with SetAdvance rests on an
// episode's last frame before it moves to the next episode.
const EndHold = 1.0

// New returns a paused controller at frame 0 of the first episode, with no
// filter. order lists outcomes in the order the filter cycles through them
// (Spec.Outcomes); outcomes present but not listed follow in order of
// appearance.
func New(eps []Episode, order []envs.Outcome) *Controller {
	c := &Controller{eps: slices.Clone(eps), speed: defaultSpeed, filters: []envs.Outcome{""}}
	present := map[envs.Outcome]bool{}
	for _, e := range eps {
		present[e.Outcome] = true
	}
	for _, o := range order {
		if present[o] && o != "" {
			c.filters = append(c.filters, o)
			present[o] = false
		}
	}
	for _, e := range eps {
		if present[e.Outcome] && e.Outcome != "" {
			c.filters = append(c.filters, e.Outcome)
			present[e.Outcome] = false
		}
	}
	c.partner = pair(c.eps)
	c.applyFilter(-1)
	return c
}

// pair finds each episode's side-by-side partner: an episode of the same
// training seed on the other side of ID/OOD, preferring the same level
// seed, else the one of equal rank among that seed's episodes of the
// partner's variant.
func pair(eps []Episode) []int {
	out := make([]int, len(eps))
	rank := make([]int, len(eps)) // rank within (seed, variant), in file order
	type key struct {
		seed    int
		variant string
	}
	seen := map[key]int{}
	for i, e := range eps {
		k := key{e.TrainSeed, e.Variant}
		rank[i] = seen[k]
		seen[k]++
	}
	for i, e := range eps {
		out[i] = -1
		var others []int
		for j, o := range eps {
			if o.TrainSeed == e.TrainSeed && o.ID != e.ID {
				others = append(others, j)
			}
		}
		for _, j := range others {
			if eps[j].LevelSeed == e.LevelSeed {
				out[i] = j
				break
			}
		}
		if out[i] >= 0 || len(others) == 0 {
			continue
		}
		// Same rank among the episodes of the first partner variant.
		variant := eps[others[0]].Variant
		var same []int
		for _, j := range others {
			if eps[j].Variant == variant {
				same = append(same, j)
			}
		}
		out[i] = same[rank[i]%len(same)]
	}
	return out
}

// applyFilter recomputes the visible episodes, keeping episode keep shown
// if it passes the filter (else the first visible one, at frame 0).
func (c *Controller) applyFilter(keep int) {
	want := c.filters[c.filter]
	c.visible = c.visible[:0]
	c.cur = 0
	found := false
	for i, e := range c.eps {
		if want == "" || e.Outcome == want {
			if i == keep {
				c.cur, found = len(c.visible), true
			}
			c.visible = append(c.visible, i)
		}
	}
	if !found {
		c.frame, c.acc = 0, 0
	}
}

// Episode is the index of the shown episode, or -1 when the filter leaves
// none.
func (c *Controller) Episode() int {
	if len(c.visible) == 0 {
		return -1
	}
	return c.visible[c.cur]
}

// Visible is the number of episodes passing the filter, and Position the
// shown one's place among them (0-based).
func (c *Controller) Visible() int  { return len(c.visible) }
func (c *Controller) Position() int { return c.cur }

// Partner is the episode shown beside the current one in side-by-side
// mode, or -1 when side-by-side is off or the episode has no partner.
func (c *Controller) Partner() int {
	e := c.Episode()
	if !c.sideBySide || e < 0 {
		return -1
	}
	return c.partner[e]
}

// Frame is the current frame of the shown episode.
func (c *Controller) Frame() int { return c.frame }

// PartnerFrame is the partner's frame: the same time step, held at its
// last frame once it has ended.
func (c *Controller) PartnerFrame() int {
	p := c.Partner()
	if p < 0 {
		return 0
	}
	return min(c.frame, c.eps[p].Steps)
}

// Last is the last frame: the end of the longer episode when side by
// side, else the shown episode's step count.
func (c *Controller) Last() int {
	e := c.Episode()
	if e < 0 {
		return 0
	}
	n := c.eps[e].Steps
	if p := c.Partner(); p >= 0 {
		n = max(n, c.eps[p].Steps)
	}
	return n
}

// Playing reports whether playback runs.
func (c *Controller) Playing() bool { return c.playing }

// TogglePlay starts or pauses playback; starting at the last frame
// restarts from frame 0.
func (c *Controller) TogglePlay() {
	if c.playing {
		c.playing = false
		return
	}
	if c.Episode() < 0 {
		return
	}
	if c.frame >= c.Last() {
		c.frame = 0
	}
	c.playing, c.acc = true, 0
}

// StepForward and StepBack pause and move one frame.
func (c *Controller) StepForward() { c.playing = false; c.Seek(c.frame + 1) }
func (c *Controller) StepBack()    { c.playing = false; c.Seek(c.frame - 1) }

// Seek moves to frame f, clamped to [0, Last()]. Playback continues if it
// was running.
func (c *Controller) Seek(f int) {
	c.frame = min(max(f, 0), c.Last())
	c.acc, c.hold = 0, EndHold
}

// Speed is the playback rate in frames per second.
func (c *Controller) Speed() float64 { return Speeds[c.speed] }

// SpeedUp and SpeedDown move to the next faster or slower rate in Speeds,
// stopping at the ends.
func (c *Controller) SpeedUp()   { c.speed = min(c.speed+1, len(Speeds)-1) }
func (c *Controller) SpeedDown() { c.speed = max(c.speed-1, 0) }

// NextEpisode and PrevEpisode show the next or previous visible episode
// (wrapping around) from frame 0.
func (c *Controller) NextEpisode() { c.moveEpisode(1) }
func (c *Controller) PrevEpisode() { c.moveEpisode(-1) }

func (c *Controller) moveEpisode(d int) {
	if len(c.visible) == 0 {
		return
	}
	c.cur = ((c.cur+d)%len(c.visible) + len(c.visible)) % len(c.visible)
	c.frame, c.acc, c.hold = 0, 0, EndHold
}

// Filter is the outcome episodes are filtered by, "" for all.
func (c *Controller) Filter() envs.Outcome { return c.filters[c.filter] }

// Filters lists the filter cycle: "" (all) then each outcome present.
func (c *Controller) Filters() []envs.Outcome { return slices.Clone(c.filters) }

// CycleFilter moves to the next filter in Filters, wrapping around.
func (c *Controller) CycleFilter() {
	keep := c.Episode()
	c.filter = (c.filter + 1) % len(c.filters)
	c.applyFilter(keep)
}

// SetFilter shows only episodes with outcome o ("" for all) and reports
// whether any episode has it; an absent outcome leaves the filter as is.
func (c *Controller) SetFilter(o envs.Outcome) bool {
	i := slices.Index(c.filters, o)
	if i < 0 {
		return false
	}
	keep := c.Episode()
	c.filter = i
	c.applyFilter(keep)
	return true
}

// SideBySide reports whether the partner episode is shown beside the
// current one.
func (c *Controller) SideBySide() bool { return c.sideBySide }

// ToggleSideBySide switches side-by-side mode, clamping the frame to the
// new Last.
func (c *Controller) ToggleSideBySide() {
	c.sideBySide = !c.sideBySide
	c.frame = min(c.frame, c.Last())
}

// Advance reports whether playback goes on to the next episode at the
// last frame (SetAdvance).
func (c *Controller) Advance() bool { return c.advance }

// SetAdvance sets what playback does at the last frame: with on, it rests
// there for EndHold seconds and then plays the next visible episode from
// frame 0 (after the last one, the first again); without, it pauses there
// (New's default).
func (c *Controller) SetAdvance(on bool) { c.advance, c.hold = on, EndHold }

// Tick advances playback by dt seconds at the current speed and reports
// whether the frame or episode changed. At the last frame playback pauses,
// or with SetAdvance moves on to the next episode after EndHold seconds.
func (c *Controller) Tick(dt float64) bool {
	if !c.playing || dt <= 0 || c.Episode() < 0 {
		return false
	}
	if c.advance && c.frame >= c.Last() {
		if c.hold -= dt; c.hold > 0 {
			return false
		}
		c.NextEpisode()
		return true
	}
	c.acc += dt * c.Speed()
	n := int(c.acc)
	if n == 0 {
		return false
	}
	c.acc -= float64(n)
	before := c.frame
	c.frame = min(c.frame+n, c.Last())
	if c.frame == c.Last() {
		c.acc, c.hold = 0, EndHold
		c.playing = c.advance
	}
	return c.frame != before
}
