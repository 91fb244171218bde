package render

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/palette"
	"github.com/misgen/misgen/viz/replay"
)

// HUD is what the heads-up panel shows beside the level for one frame.
type HUD struct {
	Title       string   // first line, e.g. "coinrun  random_coin"
	Subtitle    string   // second line, e.g. "agent seed 0  level 7"
	ActionNames []string // Spec.ActionName
	// Probs are the policy's action probabilities in this state; nil when
	// no policy acted (a person, a script, or the final frame).
	Probs []float32
	// Action is the action taken from this state, -1 for none.
	Action   int
	Value    float32
	HasValue bool
	Reward   float32 // reward received on the step into this state
	Return   float32 // undiscounted return so far
	Frame    int     // frame index: steps taken so far
	Steps    int     // steps in the episode (frames = Steps+1); 0 for live play
	// Outcome is the outcome so far ("" while running); Final is the
	// episode's final outcome, marked on the timeline ("" if unknown).
	Outcome, Final envs.Outcome
	// Success and Proxy colour outcomes: Spec.Success and Spec.Proxy.
	Success, Proxy envs.Outcome
	// Features are feature activations in this state, most active first;
	// FeatureSource names their dictionary. The strip is drawn only when
	// ShowFeatures is set, so frames of one episode keep one size.
	Features      []replay.Feature
	FeatureSource string
	ShowFeatures  bool
	// Timeline draws the step timeline under the frame.
	Timeline bool
}

// EpisodeHUD is the HUD of frame i (0 ≤ i ≤ len(ep.Steps)) of ep: the
// decision made in that state (probabilities, value, action, features) and
// what led to it (reward, return, outcome so far).
func EpisodeHUD(ep *replay.Episode, spec envs.Spec, i int) HUD {
	h := HUD{
		Title:         fmt.Sprintf("%s  %s", ep.Game, ep.Variant),
		Subtitle:      fmt.Sprintf("agent seed %d  level %d", ep.TrainSeed, ep.LevelSeed),
		ActionNames:   spec.ActionName,
		Action:        -1,
		Frame:         i,
		Steps:         len(ep.Steps),
		Return:        ep.Return(i),
		Final:         ep.Outcome,
		Success:       spec.Success,
		Proxy:         spec.Proxy,
		FeatureSource: ep.FeatureSource,
		Timeline:      true,
	}
	for _, s := range ep.Steps {
		if s.Features != nil {
			h.ShowFeatures = true
			break
		}
	}
	if i > 0 {
		prev := &ep.Steps[i-1]
		h.Reward = prev.Reward
		h.Outcome = prev.Info.Outcome
	}
	if i < len(ep.Steps) {
		s := &ep.Steps[i]
		h.Probs, h.Action, h.Features = s.Probs, s.Action, s.Features
		h.Value, h.HasValue = s.Value, s.Probs != nil
	}
	return h
}

// Panel geometry.
const (
	panelW     = 264
	nameChars  = 10 // action-name column
	probChars  = 5  // "0.93" column
	barMaxW    = panelW - 2*padding - (nameChars+probChars)*charW - 8
	barH       = 9
	headerRows = 7 // title, subtitle, step, value, reward/return, outcome, bar heading
)

// Colours of the HUD.
var (
	colPanel     = color.RGBA{R: 24, G: 26, B: 32, A: 255}
	colText      = color.RGBA{R: 225, G: 225, B: 230, A: 255}
	colDim       = color.RGBA{R: 130, G: 132, B: 140, A: 255}
	colBarSlot   = color.RGBA{R: 46, G: 49, B: 58, A: 255}
	colBar       = color.RGBA{R: 90, G: 160, B: 240, A: 255}
	colBarChosen = color.RGBA{R: 250, G: 190, B: 60, A: 255}
	colTimeline  = color.RGBA{R: 40, G: 42, B: 50, A: 255}
	colPlayed    = color.RGBA{R: 110, G: 115, B: 130, A: 255}
	colCursor    = color.RGBA{R: 255, G: 255, B: 255, A: 255}
	colFeatPos   = color.RGBA{R: 60, G: 200, B: 120, A: 255}
	colFeatNeg   = color.RGBA{R: 200, G: 70, B: 160, A: 255}
)

// panelHeight is the height of a HUD panel with n action rows.
func panelHeight(n int) int { return 2*padding + (headerRows+n)*lineH }

// outcomeColour colours an outcome by its meaning, in the palette shared
// with the plots and the report.
func (h *HUD) outcomeColour(o envs.Outcome) color.RGBA {
	if o == "" {
		return colText
	}
	return palette.Color(palette.Outcomes{Success: string(h.Success), Proxy: string(h.Proxy)}.Of(string(o)), 0)
}

// drawPanel draws the HUD into r of dst and returns the full-length slot
// rectangle of each action's probability bar.
func (h *HUD) drawPanel(dst *image.RGBA, r image.Rectangle) []image.Rectangle {
	fill(dst, r, colPanel)
	x, y := r.Min.X+padding, r.Min.Y+padding
	maxChars := (r.Dx() - 2*padding) / charW
	line := func(s string, col color.RGBA) {
		drawText(dst, x, y, s, col, maxChars)
		y += lineH
	}
	line(h.Title, colText)
	line(h.Subtitle, colDim)
	if h.Steps > 0 {
		line(fmt.Sprintf("step %d/%d", h.Frame, h.Steps), colText)
	} else {
		line(fmt.Sprintf("step %d (live)", h.Frame), colText)
	}
	if h.HasValue {
		line(fmt.Sprintf("value  %.3f", h.Value), colText)
	} else {
		line("value  -", colDim)
	}
	line(fmt.Sprintf("reward %.2f  return %.2f", h.Reward, h.Return), colText)
	if h.Outcome == "" {
		line("outcome: running", colText)
	} else {
		line("outcome: "+string(h.Outcome), h.outcomeColour(h.Outcome))
	}
	switch {
	case h.Probs != nil:
		line("action probabilities", colDim)
	case h.Action >= 0:
		line("action (no policy)", colDim)
	default:
		line("", colDim)
	}
	slots := make([]image.Rectangle, len(h.ActionNames))
	barX := x + nameChars*charW + 4
	for a, name := range h.ActionNames {
		col := colDim
		if a == h.Action {
			col = colBarChosen
		}
		drawText(dst, x, y, name, col, nameChars)
		slot := image.Rect(barX, y+(lineH-barH)/2, barX+barMaxW, y+(lineH-barH)/2+barH)
		slots[a] = slot
		fill(dst, slot, colBarSlot)
		p := float32(0)
		switch {
		case h.Probs != nil && a < len(h.Probs):
			p = h.Probs[a]
		case h.Probs == nil && a == h.Action:
			p = 1 // show the chosen action of a person or script
		}
		if w := barLength(p, slot.Dx()); w > 0 {
			bar := slot
			bar.Max.X = bar.Min.X + w
			c := colBar
			if a == h.Action {
				c = colBarChosen
			}
			fill(dst, bar, c)
		}
		if h.Probs != nil && a < len(h.Probs) {
			drawText(dst, slot.Max.X+4, y, fmt.Sprintf("%.2f", p), col, probChars)
		}
		y += lineH
	}
	return slots
}

// barLength is the bar length in pixels of probability p in a slot of
// width w: proportional, rounded to the nearest pixel, clamped to [0, w].
func barLength(p float32, w int) int {
	if !(p > 0) {
		return 0
	}
	return min(int(math.Round(float64(p)*float64(w))), w)
}

// Feature strip geometry: a heading line and one row of cells.
const (
	featCellChars = 10
	featStripH    = 2*lineH + 2*padding
)

// drawFeatures draws the feature strip into r.
func (h *HUD) drawFeatures(dst *image.RGBA, r image.Rectangle) {
	fill(dst, r, colPanel)
	x, y := r.Min.X+padding, r.Min.Y+padding
	title := "features"
	if h.FeatureSource != "" {
		title += " (" + h.FeatureSource + ")"
	}
	if len(h.Features) == 0 {
		title += ": none active"
	}
	drawText(dst, x, y, title, colDim, (r.Dx()-2*padding)/charW)
	y += lineH
	var peak float32
	for _, f := range h.Features {
		peak = max(peak, float32(math.Abs(float64(f.Value))))
	}
	cellW := featCellChars*charW + 4
	for _, f := range h.Features {
		if x+cellW > r.Max.X-padding {
			break
		}
		cell := image.Rect(x, y, x+cellW-2, y+lineH)
		fill(dst, cell, colBarSlot)
		if peak > 0 {
			// A bar under the label shows the activation relative to the
			// strongest one in this state.
			w := barLength(float32(math.Abs(float64(f.Value)))/peak, cell.Dx())
			c := colFeatPos
			if f.Value < 0 {
				c = colFeatNeg
			}
			fill(dst, image.Rect(cell.Min.X, cell.Max.Y-3, cell.Min.X+w, cell.Max.Y), c)
		}
		drawText(dst, x+1, y-1, fmt.Sprintf("#%d %.2g", f.ID, f.Value), colText, featCellChars)
		x += cellW
	}
}

// drawTimeline draws the step timeline into r: the played part, a cursor
// at the current frame and the final outcome's colour at the end.
func (h *HUD) drawTimeline(dst *image.RGBA, r image.Rectangle) {
	fill(dst, r, colTimeline)
	if h.Steps <= 0 {
		return
	}
	inner := r.Inset(2)
	end := inner
	end.Min.X = end.Max.X - 4
	if h.Final != "" {
		fill(dst, end, h.outcomeColour(h.Final))
	}
	cx := TimelineX(inner, h.Frame, h.Steps)
	played := inner
	played.Max.X = cx
	fill(dst, played, colPlayed)
	fill(dst, image.Rect(cx-1, r.Min.Y, cx+2, r.Max.Y), colCursor)
}

// TimelineX is the pixel column of frame i of a steps-step episode on a
// timeline occupying r.
func TimelineX(r image.Rectangle, i, steps int) int {
	if steps <= 0 || r.Dx() <= 1 {
		return r.Min.X
	}
	return r.Min.X + int(math.Round(float64(i)*float64(r.Dx()-1)/float64(steps)))
}

// TimelineFrame is the frame under pixel column x of a timeline occupying
// r (the inverse of TimelineX, clamped to [0, steps]).
func TimelineFrame(r image.Rectangle, x, steps int) int {
	if steps <= 0 || r.Dx() <= 1 {
		return 0
	}
	f := int(math.Round(float64(x-r.Min.X) * float64(steps) / float64(r.Dx()-1)))
	return min(max(f, 0), steps)
}
