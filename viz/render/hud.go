package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

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
	// Action is the action taken from this state, -1 for none. Its bar is
	// orange; the legend says how it was chosen (Greedy).
	Action int
	// Greedy reports that the policy took its most probable action;
	// otherwise the action was sampled from Probs, so the orange bar need
	// not be the longest.
	Greedy   bool
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

// Headings of the action rows: the legend of the orange bar.
const (
	headingSampled = "P(action), orange: sampled action"
	headingGreedy  = "P(action), orange: most likely"
	headingTaken   = "action taken (no policy)"
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

// panelHeight is the height of a HUD panel with n lines below the header
// (action rows and their legend).
func panelHeight(n int) int { return 2*padding + (headerRows+n)*lineH }

// actionLines is the number of lines the action rows of names take: one
// per row (ActionRows) and one per legend line (RowsLegend).
func actionLines(names []string) int {
	rows := ActionRows(names)
	return len(rows) + len(RowsLegend(rows, names))
}

// outcomeColour colours an outcome by its meaning, in the palette shared
// with the plots and the report.
func (h *HUD) outcomeColour(o envs.Outcome) color.RGBA {
	if o == "" {
		return colText
	}
	return palette.Color(palette.Outcomes{Success: string(h.Success), Proxy: string(h.Proxy)}.Of(string(o)), 0)
}

// drawPanel draws the HUD into r of dst and returns the full-length slot
// rectangle of each action's probability bar (aliases share their row's).
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
	line(h.heading(), colDim)
	rows := ActionRows(h.ActionNames)
	slots := make([]image.Rectangle, len(h.ActionNames))
	for _, row := range rows {
		slot := h.drawRow(dst, row, image.Pt(x, y))
		for _, a := range row.Actions {
			slots[a] = slot
		}
		y += lineH
	}
	for _, l := range RowsLegend(rows, h.ActionNames) {
		line(l, colDim)
	}
	return slots
}

// heading is the line above the action rows: what the bars and the orange
// one show.
func (h *HUD) heading() string {
	switch {
	case h.Probs != nil && h.Greedy:
		return headingGreedy
	case h.Probs != nil:
		return headingSampled
	case h.Action >= 0:
		return headingTaken
	}
	return ""
}

// drawRow draws one action row with its line box's top-left corner at
// p: the label, the bar of the row's probability (the sum over its
// actions; for a person or script, full for the action taken) and the
// probability. The taken action's row is orange. It returns the bar's
// full-length slot.
func (h *HUD) drawRow(dst *image.RGBA, row ActionRow, p image.Point) image.Rectangle {
	col, c := colDim, colBar
	var prob float32
	for _, a := range row.Actions {
		if a == h.Action {
			col, c = colBarChosen, colBarChosen
			if h.Probs == nil {
				prob = 1 // show the chosen action of a person or script
			}
		}
		if h.Probs != nil && a < len(h.Probs) {
			prob += h.Probs[a]
		}
	}
	drawText(dst, p.X, p.Y, row.Label(), col, nameChars)
	barX := p.X + nameChars*charW + 4
	slot := image.Rect(barX, p.Y+(lineH-barH)/2, barX+barMaxW, p.Y+(lineH-barH)/2+barH)
	fill(dst, slot, colBarSlot)
	if w := barLength(prob, slot.Dx()); w > 0 {
		bar := slot
		bar.Max.X = bar.Min.X + w
		fill(dst, bar, c)
	}
	if h.Probs != nil {
		drawText(dst, slot.Max.X+4, p.Y, fmt.Sprintf("%.2f", prob), col, probChars)
	}
	return slot
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

// ActionRow is one row of the HUD's action list: an action and the
// aliases folded into it (see ActionRows).
type ActionRow struct {
	Name    string // the action's name
	Actions []int  // the action, then its aliases, in action order
}

// Label is the row's label: the name, with a '*' when aliases share the
// row (RowsLegend explains them).
func (r ActionRow) Label() string {
	if len(r.Actions) > 1 {
		return r.Name + "*"
	}
	return r.Name
}

// ActionRows groups the actions named names into the HUD's rows, in
// action order. An action named "base(key)", where base is the name of
// another action, is an alias of that action, the same behaviour under
// another key, and shares its row: CoinRun keeps Procgen's 15-action
// layout, whose last six actions "none(D)" … "none(E)" are keys the game
// ignores, so they share the row of "none". Every other action has a row
// of its own.
func ActionRows(names []string) []ActionRow {
	index := make(map[string]int, len(names))
	for a, n := range names {
		if _, dup := index[n]; !dup {
			index[n] = a
		}
	}
	var rows []ActionRow
	rowOf := make(map[int]int) // base action → its row
	for a, n := range names {
		if base, ok := aliasOf(n, index); ok {
			if r, seen := rowOf[base]; seen {
				rows[r].Actions = append(rows[r].Actions, a)
				continue
			}
		}
		rowOf[a] = len(rows)
		rows = append(rows, ActionRow{Name: n, Actions: []int{a}})
	}
	return rows
}

// aliasOf reports the action that name "base(key)" is an alias of.
func aliasOf(name string, index map[string]int) (int, bool) {
	open := strings.IndexByte(name, '(')
	if open <= 0 || !strings.HasSuffix(name, ")") {
		return 0, false
	}
	a, ok := index[name[:open]]
	return a, ok
}

// RowsLegend explains the rows with aliases, one line each, e.g.
// "none*: sum of none and D,A,W,S,Q,E" for CoinRun.
func RowsLegend(rows []ActionRow, names []string) []string {
	var out []string
	for _, r := range rows {
		if len(r.Actions) < 2 {
			continue
		}
		keys := make([]string, len(r.Actions)-1)
		for i, a := range r.Actions[1:] {
			keys[i] = strings.TrimSuffix(names[a][len(r.Name)+1:], ")")
		}
		out = append(out, fmt.Sprintf("%s: sum of %s and %s", r.Label(), r.Name, strings.Join(keys, ",")))
	}
	return out
}
