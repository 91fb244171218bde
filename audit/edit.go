package audit

import "math/rand/v2"

// Cell is a position in the observation window: row r from the top and
// column c from the left. Its offset from the agent at the window's centre
// is (dx, dy) = (c − half, half − r), y growing upwards as in envs.Info.
type Cell struct{ R, C int }

// grid describes the [C, H, W] layout of one observation.
type grid struct{ C, H, W int }

func gridOf(shape [3]int) grid { return grid{shape[0], shape[1], shape[2]} }

func (g grid) at(ch int, c Cell) int { return ch*g.H*g.W + c.R*g.W + c.C }

// offset is a cell's position relative to the window centre.
func (g grid) offset(c Cell) (dx, dy float64) {
	return float64(c.C - g.W/2), float64(g.H/2 - c.R)
}

// cells lists the cells where any of chans is set (> 0.5).
func (g grid) cells(obs []float32, chans []int) []Cell {
	var out []Cell
	for r := 0; r < g.H; r++ {
		for c := 0; c < g.W; c++ {
			for _, ch := range chans {
				if obs[g.at(ch, Cell{r, c})] > 0.5 {
					out = append(out, Cell{r, c})
					break
				}
			}
		}
	}
	return out
}

// visible reports whether any of chans is set anywhere in obs (false for
// no channels).
func (g grid) visible(obs []float32, chans []int) bool {
	return len(g.cells(obs, chans)) > 0
}

// erase returns a copy of obs with chans cleared everywhere: the objects
// drawn by those channels removed, whatever lies under them kept.
func (g grid) erase(obs []float32, chans []int) []float32 {
	out := append([]float32(nil), obs...)
	for _, ch := range chans {
		clear(out[ch*g.H*g.W : (ch+1)*g.H*g.W])
	}
	return out
}

// freeCells lists the cells other than the centre (the agent) where no
// channel is set except background channels and planes: where an object
// can be placed without overlapping anything.
func (g grid) freeCells(obs []float32, roles Roles) []Cell {
	skip := make([]bool, g.C)
	for _, ch := range roles.Background {
		skip[ch] = true
	}
	for _, ch := range roles.Planes {
		skip[ch] = true
	}
	var out []Cell
	for r := 0; r < g.H; r++ {
		for c := 0; c < g.W; c++ {
			if r == g.H/2 && c == g.W/2 {
				continue
			}
			free := true
			for ch := 0; ch < g.C && free; ch++ {
				free = skip[ch] || obs[g.at(ch, Cell{r, c})] <= 0.5
			}
			if free {
				out = append(out, Cell{r, c})
			}
		}
	}
	return out
}

// place returns a copy of obs with chans set at cell c.
func (g grid) place(obs []float32, chans []int, c Cell) []float32 {
	out := append([]float32(nil), obs...)
	for _, ch := range chans {
		out[g.at(ch, c)] = 1
	}
	return out
}

// moveTo returns obs with the object of chans erased everywhere and drawn
// at a free cell other than where it was, chosen uniformly by rng (ok
// false when there is none).
func (g grid) moveTo(obs []float32, chans []int, roles Roles, rng *rand.Rand) ([]float32, Cell, bool) {
	was := g.cells(obs, chans)
	erased := g.erase(obs, chans)
	var free []Cell
	for _, c := range g.freeCells(erased, roles) {
		if !containsCell(was, c) {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		return nil, Cell{}, false
	}
	c := free[rng.IntN(len(free))]
	return g.place(erased, chans, c), c, true
}

func containsCell(cs []Cell, c Cell) bool {
	for _, d := range cs {
		if d == c {
			return true
		}
	}
	return false
}
