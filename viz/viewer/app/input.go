package app

import (
	"github.com/misgen/misgen/envs/coinrun"
)

// Keys is the state of the direction keys for live play.
type Keys struct{ Left, Right, Up, Down bool }

// Realtime reports whether game runs in real time for a person (the
// platformer steps at a fixed rate with the keys held) rather than
// turn-based (grid games step once per key press).
func Realtime(game string) bool { return game == coinrun.Name }

// HumanAction maps held keys to game's action. For CoinRun, left/right run
// and up jumps (the 3×3 {left, none, right} × {down, none, up} layout, so
// no key is the no-op); for the grid games (maze, heist: 0 up, 1 right,
// 2 down, 3 left) the first pressed direction moves and ok is false when
// none is pressed (no step).
func HumanAction(game string, k Keys) (action int, ok bool) {
	if Realtime(game) {
		h, v := 1, 1
		if k.Left != k.Right {
			h = map[bool]int{true: 0, false: 2}[k.Left]
		}
		if k.Up {
			v = 2
		} else if k.Down {
			v = 0
		}
		return h*3 + v, true
	}
	switch {
	case k.Up:
		return 0, true
	case k.Right:
		return 1, true
	case k.Down:
		return 2, true
	case k.Left:
		return 3, true
	}
	return 0, false
}
