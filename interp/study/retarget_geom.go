package study

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// geometry maps the cells of an agent-centred observation window, and
// pixels of the observation, to the spatial positions of a conv site.
type geometry struct {
	view       int    // window side in tiles
	obs        [2]int // observation [H, W] in pixels (= view for symbolic observations)
	grid       [2]int // the site's spatial [H, W]
	rows, cols []int  // window row / column → site row / column
}

// newGeometry is the geometry of a view×view window rendered into
// observations of per-row shape obsShape [C, H, W], read at a site of
// per-row shape siteShape [C', H', W'].
func newGeometry(view int, obsShape, siteShape []int64) (geometry, error) {
	if len(obsShape) != 3 || len(siteShape) != 3 || view <= 0 {
		return geometry{}, fmt.Errorf("geometry: observation %v and site %v are not [C, H, W], view %d", obsShape, siteShape, view)
	}
	g := geometry{view: view, obs: [2]int{int(obsShape[1]), int(obsShape[2])}, grid: [2]int{int(siteShape[1]), int(siteShape[2])}}
	for axis, dst := range []*[]int{&g.rows, &g.cols} {
		for c := 0; c < view; c++ {
			i, err := layerIndex(cellCentre(c, view, g.obs[axis]), g.obs[axis], g.grid[axis])
			if err != nil {
				return geometry{}, err
			}
			*dst = append(*dst, i)
		}
	}
	return g, nil
}

// position is the flat site position (row·W + column) of window cell
// (row, col), which must lie in the window.
func (g geometry) position(row, col int) int { return g.rows[row]*g.grid[1] + g.cols[col] }

// pixelPosition is the flat site position of observation pixel (y, x)
// (fractional coordinates allowed, e.g. a centroid).
func (g geometry) pixelPosition(y, x float64) int {
	r, _ := layerIndex(y, g.obs[0], g.grid[0])
	c, _ := layerIndex(x, g.obs[1], g.grid[1])
	return r*g.grid[1] + c
}

// cellCentre is the pixel coordinate, along one axis, of the centre of
// window cell c when view cells are drawn over obs pixels (the cell itself
// for symbolic observations, where obs = view).
func cellCentre(c, view, obs int) float64 {
	return (float64(c)+0.5)*float64(obs)/float64(view) - 0.5
}

// layerIndex maps pixel coordinate p along one axis of an observation of
// side obs to the index along that axis of a conv layer of side side that
// the IMPALA stages reach by n 3×3, stride-2, padding-1 max-pools (each
// output i is centred on its input 2i, so after n pools on pixel 2ⁿ·i):
// the index whose receptive-field centre is nearest to p, ties to the lower
// index, clamped to the layer. It fails when no number of such pools turns
// obs into side.
func layerIndex(p float64, obs, side int) (int, error) {
	n, s := 0, obs
	for s > side {
		s = pooledSide(s)
		n++
	}
	if s != side || side <= 0 {
		return 0, fmt.Errorf("geometry: a layer of side %d is not reached from %d pixels by stride-2 pools", side, obs)
	}
	i := int(math.Ceil(p/float64(int(1)<<n) - 0.5))
	return min(max(i, 0), side-1), nil
}

// pooledSide is the side after a 3×3, stride-2, padding-1 max-pool (as in
// agents' IMPALA policy).
func pooledSide(n int) int { return (n-1)/2 + 1 }

// goalCentroid is the centroid (pixel row, column) of the pixels where the
// observation with the goal (obs) differs from the same state's
// observation without it (hidden), both of per-row shape [C, H, W]; false
// when they do not differ.
func goalCentroid(obs, hidden []float32, shape []int64) (y, x float64, ok bool) {
	h, w := int(shape[1]), int(shape[2])
	seen := make([]bool, h*w)
	var n int
	for i := range obs {
		if p := i % (h * w); obs[i] != hidden[i] && !seen[p] {
			seen[p] = true
			y, x = y+float64(p/w), x+float64(p%w)
			n++
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return y / float64(n), x / float64(n), true
}

// farTile is the open tile whose smallest L1 distance to the tiles in
// avoid is largest, the first in open's order among ties; false when open
// holds no tile outside avoid. It reads the layout alone, never outcomes.
func farTile(open []envs.Point, avoid ...envs.Point) (envs.Point, bool) {
	best, bestD := envs.Point{}, 0
	for _, p := range open {
		d := math.MaxInt
		for _, a := range avoid {
			d = min(d, abs(p.X-a.X)+abs(p.Y-a.Y))
		}
		if d > bestD {
			best, bestD = p, d
		}
	}
	return best, bestD > 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pairedRises ranks the channels of a conv site by their mean paired rise
// at the goal's position: shown and hidden hold per-sample site rows
// (channel-major [C, H·W]) of the same states with the goal shown and
// hidden, pos[i] is the flat position of the goal in sample i and
// episode[i] its episode. Each channel's rise is averaged within episodes,
// then across them; SE is the standard error of that mean across episodes
// (0 with a single episode). Channels come out by decreasing rise.
func pairedRises(shown, hidden interp.Matrix, channels int, pos []int, episode []int32) []schema.ChannelEffect {
	hw := shown.Cols / channels
	type acc struct {
		n           int
		rise, shown []float64
	}
	byEp := map[int32]*acc{}
	var order []int32
	for i := 0; i < shown.Rows; i++ {
		a := byEp[episode[i]]
		if a == nil {
			a = &acc{rise: make([]float64, channels), shown: make([]float64, channels)}
			byEp[episode[i]] = a
			order = append(order, episode[i])
		}
		a.n++
		s, h := shown.Row(i), hidden.Row(i)
		for c := 0; c < channels; c++ {
			k := c*hw + pos[i]
			a.rise[c] += float64(s[k] - h[k])
			a.shown[c] += float64(s[k])
		}
	}
	out := make([]schema.ChannelEffect, channels)
	for c := range out {
		rises := make([]float64, 0, len(order))
		var shownSum float64
		for _, ep := range order {
			a := byEp[ep]
			rises = append(rises, a.rise[c]/float64(a.n))
			shownSum += a.shown[c] / float64(a.n)
		}
		m, se := meanSE(rises)
		out[c] = schema.ChannelEffect{Channel: c, Rise: m, SE: se, Shown: shownSum / float64(len(order))}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Rise > out[b].Rise })
	return out
}

// meanSE is the mean of xs and its standard error (sample s.d. / √n; 0
// for fewer than two values).
func meanSE(xs []float64) (float64, float64) {
	m := stats.Mean(xs)
	if len(xs) < 2 {
		return m, 0
	}
	return m, math.Sqrt(stats.Variance(xs) / float64(len(xs)))
}
