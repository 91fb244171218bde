package probe

import "math/rand/v2"

// Cell is a position in the observation window: row R from the top and
// column C from the left. Its offset from the agent at the window's centre
// is (dx, dy) = (C − W/2, H/2 − R), y growing upwards as in envs.Info.
type Cell struct{ R, C int }

// Grid is the [C, H, W] layout of one symbolic observation: C channel
// planes of H rows of W cells, channel-major. A channel is set at a cell
// when its value there is above 0.5.
type Grid struct{ C, H, W int }

// GridOf returns the layout of observations of shape [C, H, W]
// (envs.Spec.ObsShape, agents.PolicyIO.ObsShape).
func GridOf(shape [3]int) Grid { return Grid{shape[0], shape[1], shape[2]} }

// Size is the number of values of one observation, C·H·W.
func (g Grid) Size() int { return g.C * g.H * g.W }

// At is the index of channel ch at cell c in an observation.
func (g Grid) At(ch int, c Cell) int { return ch*g.H*g.W + c.R*g.W + c.C }

// Offset is a cell's position relative to the window centre (the agent).
func (g Grid) Offset(c Cell) (dx, dy float64) {
	return float64(c.C - g.W/2), float64(g.H/2 - c.R)
}

// Split returns the observations of a flat batch (a multiple of Size
// values) as slices aliasing it.
func (g Grid) Split(batch []float32) [][]float32 {
	size := g.Size()
	out := make([][]float32, 0, len(batch)/size)
	for i := 0; i+size <= len(batch); i += size {
		out = append(out, batch[i:i+size:i+size])
	}
	return out
}

// Join stacks observations into one flat batch (a new slice).
func Join(obs [][]float32) []float32 {
	n := 0
	for _, o := range obs {
		n += len(o)
	}
	out := make([]float32, 0, n)
	for _, o := range obs {
		out = append(out, o...)
	}
	return out
}

// Cells lists, row by row, the cells of one observation where any of
// chans is set.
func (g Grid) Cells(obs []float32, chans []int) []Cell {
	var out []Cell
	for r := 0; r < g.H; r++ {
		for c := 0; c < g.W; c++ {
			for _, ch := range chans {
				if obs[g.At(ch, Cell{r, c})] > 0.5 {
					out = append(out, Cell{r, c})
					break
				}
			}
		}
	}
	return out
}

// Visible reports whether any of chans is set anywhere in one
// observation (false for no channels).
func (g Grid) Visible(obs []float32, chans []int) bool {
	plane := g.H * g.W
	for _, ch := range chans {
		for _, x := range obs[ch*plane : (ch+1)*plane] {
			if x > 0.5 {
				return true
			}
		}
	}
	return false
}

// Erase returns a copy of obs, one observation or a flat batch of them,
// with chans cleared everywhere in each: the objects drawn by those
// channels removed, whatever lies under them kept.
func (g Grid) Erase(obs []float32, chans []int) []float32 {
	out := append([]float32(nil), obs...)
	size, plane := g.Size(), g.H*g.W
	for i := 0; i+size <= len(out); i += size {
		for _, ch := range chans {
			clear(out[i+ch*plane : i+(ch+1)*plane])
		}
	}
	return out
}

// FreeCells lists, row by row, the cells of one observation other than
// the centre (the agent) where no channel is set but r's background
// channels and constant planes: where an object can be drawn without
// overlapping anything.
func (g Grid) FreeCells(obs []float32, r Channels) []Cell {
	skip := make([]bool, g.C)
	for _, ch := range r.Background {
		skip[ch] = true
	}
	for _, ch := range r.Planes {
		skip[ch] = true
	}
	var out []Cell
	for row := 0; row < g.H; row++ {
		for c := 0; c < g.W; c++ {
			if row == g.H/2 && c == g.W/2 {
				continue
			}
			free := true
			for ch := 0; ch < g.C && free; ch++ {
				free = skip[ch] || obs[g.At(ch, Cell{row, c})] <= 0.5
			}
			if free {
				out = append(out, Cell{row, c})
			}
		}
	}
	return out
}

// Place returns a copy of one observation with chans set at cell c.
func (g Grid) Place(obs []float32, chans []int, c Cell) []float32 {
	out := append([]float32(nil), obs...)
	for _, ch := range chans {
		out[g.At(ch, c)] = 1
	}
	return out
}

// MoveTo returns one observation with the object of chans erased
// everywhere and drawn at a free cell (FreeCells of the erased
// observation) other than where it was, chosen uniformly by rng with one
// draw; ok is false, and rng untouched, when there is none.
func (g Grid) MoveTo(obs []float32, chans []int, r Channels, rng *rand.Rand) (moved []float32, at Cell, ok bool) {
	was := g.Cells(obs, chans)
	erased := g.Erase(obs, chans)
	var free []Cell
	for _, c := range g.FreeCells(erased, r) {
		if !containsCell(was, c) {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		return nil, Cell{}, false
	}
	c := free[rng.IntN(len(free))]
	return g.Place(erased, chans, c), c, true
}

func containsCell(cs []Cell, c Cell) bool {
	for _, d := range cs {
		if d == c {
			return true
		}
	}
	return false
}

// Pairs are observations with an object (With) and the same observations
// without it (Without), index by index; Index[i] is the position of pair
// i's source observation in the input.
type Pairs struct {
	With, Without [][]float32
	Index         []int
}

// GoalPairs pairs each observation of obs with a copy that differs only
// by r's goal: where the goal is in view, (x, x with the goal erased);
// elsewhere (x with the goal drawn at a free cell chosen by rng with one
// draw, x). Observations without the goal and without a free cell are
// left out. The With and Without observations alias obs where unedited.
func (g Grid) GoalPairs(obs [][]float32, r Channels, rng *rand.Rand) Pairs {
	var p Pairs
	for i, x := range obs {
		switch {
		case g.Visible(x, r.Goal):
			p.With = append(p.With, x)
			p.Without = append(p.Without, g.Erase(x, r.Goal))
		default:
			free := g.FreeCells(x, r)
			if len(free) == 0 {
				continue
			}
			p.With = append(p.With, g.Place(x, r.Goal, free[rng.IntN(len(free))]))
			p.Without = append(p.Without, x)
		}
		p.Index = append(p.Index, i)
	}
	return p
}

// Placed are observations with the goal drawn at a known cell and its
// offset from the agent (y up), for fitting a goal-position probe;
// Index[i] is the position of Obs[i]'s source observation in the input.
type Placed struct {
	Obs    [][]float32
	Target [][2]float64
	Index  []int
}

// PlaceGoal moves r's goal in each observation of obs to a free cell
// other than where it was (MoveTo, one rng draw per observation moved);
// observations without such a cell are left out.
func (g Grid) PlaceGoal(obs [][]float32, r Channels, rng *rand.Rand) Placed {
	var p Placed
	for i, x := range obs {
		m, c, ok := g.MoveTo(x, r.Goal, r, rng)
		if !ok {
			continue
		}
		dx, dy := g.Offset(c)
		p.Obs = append(p.Obs, m)
		p.Target = append(p.Target, [2]float64{dx, dy})
		p.Index = append(p.Index, i)
	}
	return p
}
