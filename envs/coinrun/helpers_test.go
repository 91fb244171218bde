package coinrun

import (
	"testing"

	"github.com/misgen/misgen/envs"
)

// Action indices used by tests.
const (
	actLeft      = 1
	actNone      = 4
	actJump      = 5
	actRight     = 7
	actRightJump = 8
)

// newEnv builds an env or fails the test.
func newEnv(t testing.TB, cfg Config, obs envs.ObsConfig) *Env {
	t.Helper()
	e, err := New(cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// loadLevel replaces e's level with a hand-drawn one and starts a new
// episode on it. rows are drawn top row first with the legend of
// level.ascii: '#' ground, 'B' crate, '~' lava, '*' saw, ':' end zone, 'E'
// an enemy whose patrol starts at that cell, '$' the coin, '@' the agent
// start, '.' empty. The rightmost column should be the wall ('#').
func loadLevel(t testing.TB, e *Env, rows ...string) {
	t.Helper()
	lv := &e.lv
	h, w := len(rows), len(rows[0])
	lv.resize(w, h)
	for r, row := range rows {
		if len(row) != w {
			t.Fatalf("loadLevel: row %d has %d cells, want %d", r, len(row), w)
		}
		y := h - 1 - r
		for x := 0; x < w; x++ {
			switch row[x] {
			case '#':
				lv.set(x, y, tileGround)
			case 'B':
				lv.set(x, y, tileCrate)
			case '~':
				lv.set(x, y, tileLava)
			case '*':
				lv.set(x, y, tileSaw)
			case ':':
				lv.set(x, y, tileEndZone)
			case 'E':
				lv.enemies = append(lv.enemies, enemy{x0: float64(x) + 0.5, y: float64(y)})
			case '$':
				lv.coinX, lv.coinY = float64(x)+0.5, float64(y)+0.5
			case '@':
				lv.startX, lv.startY = float64(x)+0.5, float64(y)
			case '.':
			default:
				t.Fatalf("loadLevel: unknown cell %q", row[x])
			}
		}
	}
	for x := 0; x < w; x++ {
		for y := h - 1; y >= 0; y-- {
			if solid(lv.at(x, y)) {
				lv.surface[x] = y + 1
				break
			}
		}
	}
	lv.endY = float64(lv.surface[w-2])
	lv.coinAtEnd = int(lv.coinX) >= lv.endX0()
	e.b = body{x: lv.startX, y: lv.startY, onGround: true}
	e.t = 0
	e.coinTaken, e.atEnd, e.done, e.started = false, false, false, true
	e.outcome = ""
}

// run steps e with action until the episode ends or limit steps pass and
// returns the total reward and the final Info.
func run(t testing.TB, e *Env, limit int, policy func(*Env) int) (float32, envs.Info) {
	t.Helper()
	var total float32
	for range limit {
		r, done, err := e.Step(policy(e))
		if err != nil {
			t.Fatal(err)
		}
		total += r
		if done {
			break
		}
	}
	return total, e.Info()
}

func constant(a int) func(*Env) int { return func(*Env) int { return a } }

// scriptedRunner is the hand policy "hold right, and jump when the way
// ahead is blocked or unsafe": it pursues the level end and knows nothing
// about the coin. It reads the ground truth tiles ahead of the agent and
// jumps as late as it safely can, so it lands early on the far side.
func scriptedRunner(e *Env) int {
	b, lv := &e.b, &e.lv
	if !b.onGround {
		return actRight
	}
	front := b.x + agentHalfWidth
	fy := floorInt(b.y + collisionEps)
	for c := floorInt(front); c <= floorInt(front+1.2); c++ {
		feet, below := lv.at(c, fy), lv.at(c, fy-1)
		if solid(feet) || feet == tileSaw || lv.at(c, fy+1) == tileSaw || !solid(below) {
			return actRightJump
		}
	}
	for i := range lv.enemies {
		en := &lv.enemies[i]
		if dx := en.xAt(e.t) - b.x; dx > 0 && dx < 2.5 && en.y == b.y {
			return actRightJump
		}
	}
	return actRight
}
