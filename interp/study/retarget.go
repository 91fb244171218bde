package study

import (
	"fmt"
	"math/rand/v2"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// targetRule describes farTile's choice for the reports.
const targetRule = "the open tile farthest (smallest L1 distance) from the cheese, the top-right corner and the mouse's start; first in row order among ties"

// retargetLog follows the target tile of every test-level episode through
// one evaluation: the envs (retargetEnv) queue the target's site position
// for each observed row, BeforeForward hands them to the pass, OnStep
// records whether the agent stood on the target.
type retargetLog struct {
	geom geometry
	// draw draws the goal at the target instead of its tile (the
	// observation-level retarget).
	draw    bool
	targets map[uint64]envs.Point // level seed → target tile
	queued  []int                 // site positions of the rows observed since the last pass; −1 out of view
	pass    []int                 // site positions of the current pass's rows
	reached []bool                // per episode (index into the levels)
	rows    int                   // rows observed
	inView  int                   // of which with the target in view
}

// newRetargetLog follows n episodes.
func newRetargetLog(g geometry, draw bool, n int) *retargetLog {
	return &retargetLog{geom: g, draw: draw, targets: map[uint64]envs.Point{}, reached: make([]bool, n)}
}

// retargetEnv picks each level's target tile at Reset (farTile from the
// layout, avoiding the goal, the proxy and the agent's start) and queues
// the target's site position with every observation.
type retargetEnv struct {
	envs.Env
	tm     envs.TileMap
	ge     envs.GoalEditor
	log    *retargetLog
	target envs.Point
	ok     bool
}

// wrapRetarget wraps e, which must implement envs.TileMap and
// envs.GoalEditor.
func wrapRetarget(e envs.Env, log *retargetLog) (envs.Env, error) {
	tm, ok1 := e.(envs.TileMap)
	ge, ok2 := e.(envs.GoalEditor)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("retarget: %s implements neither envs.TileMap nor envs.GoalEditor", e.Spec().Game)
	}
	return &retargetEnv{Env: e, tm: tm, ge: ge, log: log}, nil
}

func (e *retargetEnv) Reset(seed uint64) {
	e.Env.Reset(seed)
	in := e.Env.Info()
	pt := func(x, y float32) envs.Point { return envs.Point{X: int(x), Y: int(y)} }
	e.target, e.ok = farTile(e.tm.OpenTiles(), pt(in.GoalX, in.GoalY), pt(in.ProxyX, in.ProxyY), pt(in.AgentX, in.AgentY))
	if e.ok {
		e.log.targets[seed] = e.target
	}
}

func (e *retargetEnv) Observe(dst []float32) {
	if !e.ok || !e.log.draw || !e.ge.ObserveGoalAt(dst, e.target) {
		e.Env.Observe(dst)
	}
	pos := -1
	if row, col, in := e.tm.ViewCell(e.target); e.ok && in {
		pos = e.log.geom.position(row, col)
		e.log.inView++
	}
	e.log.rows++
	e.log.queued = append(e.log.queued, pos)
}

// beforeForward moves the queued positions to the pass (Evaluate observes
// every active env in row order before each pass).
func (l *retargetLog) beforeForward([]int) {
	l.pass = append(l.pass[:0], l.queued...)
	l.queued = l.queued[:0]
}

// onStep records an episode reaching its target.
func (l *retargetLog) onStep(episode int, level uint64, info envs.Info) {
	if t, ok := l.targets[level]; ok && int(info.AgentX) == t.X && int(info.AgentY) == t.Y {
		l.reached[episode] = true
	}
}

// targetHook adds value to channel ch of layer's output [B, C, H, W] at
// the flat spatial position rows()[b] of every row b, leaving rows whose
// position is negative (target out of view), every other channel and
// every other position unchanged. It fails the pass when rows() does not
// name every row.
func targetHook(layer string, ch int, value float32, rows func() []int) interp.Hook {
	return interp.AtLayer(layer, func(s *torch.Scope, act *torch.Tensor) *torch.Tensor {
		sh := act.Shape()
		pos := rows()
		if len(sh) != 4 || int(sh[0]) != len(pos) || ch < 0 || int64(ch) >= sh[1] {
			s.Fail(fmt.Errorf("retarget %s: output %v, %d row positions, channel %d", layer, sh, len(pos), ch))
			return nil
		}
		c, hw := int(sh[1]), int(sh[2]*sh[3])
		delta := make([]float32, len(pos)*c*hw)
		for b, p := range pos {
			if p >= 0 {
				delta[(b*c+ch)*hw+p] = value
			}
		}
		return s.Add(act, s.FromFloat32(delta, sh...))
	})
}

// controlChannel is a channel other than top, drawn from seed.
func controlChannel(channels, top int, seed uint64) int {
	c := rand.New(rand.NewPCG(seed, 0x7e7a)).IntN(channels - 1)
	if c >= top {
		c++
	}
	return c
}
