package study

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/interp"
)

// direction is an activation-space direction to steer along, in the
// layer's flat units: steering by scale adds scale·Vec.
type direction struct {
	Name string
	Vec  []float32
	Note string
}

// goalVector is the mean change of the layer's flat output when the goal
// is removed from the observation of the same state (paired observations
// from envs.GoalEditor), over the selection steps where the goal was
// visible: what the goal itself adds, unconfounded by where the agent is.
func goalVector(policy agents.Policy, caps []*capture, layer string) (direction, error) {
	var with, without interp.Matrix
	for _, c := range caps {
		if c.hidden == nil {
			continue
		}
		var rows []int
		for i, s := range c.truth.Steps {
			if s.GoalVisible {
				rows = append(rows, i)
			}
		}
		if len(rows) == 0 {
			continue
		}
		a, err := layerOutput(policy, layer, c.obs.SubRows(rows))
		if err != nil {
			return direction{}, err
		}
		b, err := layerOutput(policy, layer, c.hidden.SubRows(rows))
		if err != nil {
			return direction{}, err
		}
		with, without = appendRows(with, a), appendRows(without, b)
	}
	if with.Rows == 0 {
		return direction{}, fmt.Errorf("no paired observations with the goal in view (the game cannot hide its goal, or the agent never saw it)")
	}
	v, err := interp.PairedVector(with, without)
	return direction{Name: "goal vector", Vec: v, Note: fmt.Sprintf("mean of %d paired observations, goal shown minus hidden", with.Rows)}, err
}

// probeDirection fits a ridge regression of the goal's horizontal offset
// from the agent on the layer's flat output over the selection steps where
// goal and proxy are apart (training episodes), and returns its unit
// direction scaled to one standard deviation of the projection. The fit's
// R² on the held-out episodes is in the note.
func probeDirection(d *siteData) (direction, error) {
	rows := d.truth().Apart(apartTiles)
	var train, held []int
	for _, r := range rows {
		if HeldOut(d.steps[r].Episode) {
			held = append(held, r)
		} else {
			train = append(train, r)
		}
	}
	if len(train) < 50 || len(held) < 10 {
		return direction{}, fmt.Errorf("too few steps with goal and proxy apart (%d training, %d held-out)", len(train), len(held))
	}
	target := func(rs []int) []float64 {
		y := make([]float64, len(rs))
		for i, r := range rs {
			y[i] = float64(d.steps[r].GoalX - d.steps[r].AgentX)
		}
		return y
	}
	x := d.rows(train)
	w, b := ridge(x, target(train), 1e-2)
	r2 := rSquared(d.rows(held), target(held), w, b)
	norm := 0.0
	for _, v := range w {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	if norm == 0 {
		return direction{}, fmt.Errorf("goal_dx probe has zero weights")
	}
	proj := make([]float64, x.Rows)
	for i := range proj {
		for j, v := range x.Row(i) {
			proj[i] += float64(v) * w[j] / norm
		}
	}
	sd := math.Sqrt(stats.PopVariance(proj))
	vec := make([]float32, len(w))
	for j := range w {
		vec[j] = float32(w[j] / norm * sd)
	}
	return direction{Name: "goal_dx probe", Vec: vec,
		Note: fmt.Sprintf("ridge probe of the goal's x offset, held-out R² %.2f; one unit = one s.d. (%.3g) of the projection", r2, sd)}, nil
}

// ridge fits y ≈ X w + b with penalty lambda·trace(XᵀX)/d on ‖w‖².
func ridge(x interp.Matrix, y []float64, lambda float64) ([]float64, float64) {
	n, d := x.Rows, x.Cols
	mean := make([]float64, d)
	var ym float64
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
		ym += y[i]
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	ym /= float64(n)
	xc := mat.NewDense(n, d, nil)
	yc := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			xc.Set(i, j, float64(v)-mean[j])
		}
		yc.SetVec(i, y[i]-ym)
	}
	var xtx mat.SymDense
	xtx.SymOuterK(1, xc.T())
	tr := 0.0
	for j := 0; j < d; j++ {
		tr += xtx.At(j, j)
	}
	pen := lambda * tr / float64(d)
	if pen == 0 {
		pen = 1e-6
	}
	for j := 0; j < d; j++ {
		xtx.SetSym(j, j, xtx.At(j, j)+pen)
	}
	var xty, w mat.VecDense
	xty.MulVec(xc.T(), yc)
	var chol mat.Cholesky
	if !chol.Factorize(&xtx) {
		return make([]float64, d), ym
	}
	if err := chol.SolveVecTo(&w, &xty); err != nil {
		return make([]float64, d), ym
	}
	out := make([]float64, d)
	b := ym
	for j := range out {
		out[j] = w.AtVec(j)
		b -= out[j] * mean[j]
	}
	return out, b
}

// rSquared is the R² (stats.R2) of the linear prediction x·w + b of y,
// and 0 where R² is undefined (y constant).
func rSquared(x interp.Matrix, y, w []float64, b float64) float64 {
	pred := make([]float64, x.Rows)
	for i := range pred {
		pred[i] = b
		for j, v := range x.Row(i) {
			pred[i] += float64(v) * w[j]
		}
	}
	if r2 := stats.R2(pred, y); !math.IsNaN(r2) {
		return r2
	}
	return 0
}

// layerOutput runs policy on obs (one observation per row) and returns
// layer's flat output, one row per observation (probe.LayerActivations).
func layerOutput(policy agents.Policy, layer string, obs interp.Matrix) (interp.Matrix, error) {
	acts, err := probe.LayerActivations(policy, obs.Data, layer)
	if err != nil {
		return interp.Matrix{}, err
	}
	return interp.Matrix(acts[layer]), nil
}

// appendRows appends b's rows to a (same columns).
func appendRows(a, b interp.Matrix) interp.Matrix {
	if a.Cols == 0 {
		a.Cols = b.Cols
	}
	a.Data = append(a.Data, b.Data...)
	a.Rows += b.Rows
	return a
}
