package circumvent

import (
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/audit"
)

// GoalPairs pairs each observation of obs with a copy that differs only by
// the goal, as the audit's SAE statistic pairs them: where the goal is in
// view, (x, x with the goal erased); elsewhere (x with the goal drawn at a
// free cell chosen by rng, x), a free cell being one other than the
// agent's centre where no channel but the background and the constant
// planes is set. Observations without a free cell are left out.
func GoalPairs(io agents.PolicyIO, obs []float32, roles audit.Roles, rng *rand.Rand) (with, without []float32) {
	size := io.ObsSize()
	for i := 0; i+size <= len(obs); i += size {
		x := obs[i : i+size]
		if Visible(io, x, roles.Goal) {
			with = append(with, x...)
			without = append(without, erased(io, x, roles.Goal)...)
			continue
		}
		free := freeCells(io, x, roles)
		if len(free) == 0 {
			continue
		}
		placed := append([]float32(nil), x...)
		plane := io.ObsShape[1] * io.ObsShape[2]
		cell := free[rng.IntN(len(free))]
		for _, ch := range roles.Goal {
			placed[ch*plane+cell] = 1
		}
		with = append(with, placed...)
		without = append(without, x...)
	}
	return with, without
}

// freeCells lists the cells (row-major indices within a plane) of one
// observation where an object can be drawn.
func freeCells(io agents.PolicyIO, x []float32, roles audit.Roles) []int {
	c, h, w := io.ObsShape[0], io.ObsShape[1], io.ObsShape[2]
	skip := make([]bool, c)
	for _, ch := range append(append([]int(nil), roles.Background...), roles.Planes...) {
		skip[ch] = true
	}
	centre := (h/2)*w + w/2
	var out []int
	for cell := 0; cell < h*w; cell++ {
		free := cell != centre
		for ch := 0; ch < c && free; ch++ {
			free = skip[ch] || x[ch*h*w+cell] <= 0.5
		}
		if free {
			out = append(out, cell)
		}
	}
	return out
}
