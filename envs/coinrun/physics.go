package coinrun

import "math"

// Physics constants. Velocities are in Procgen-like "speed units" so the
// original's numbers read unchanged; one tick moves a body by
// velocity×speedScale tiles. With speedScale = 0.5 the agent runs at most
// 0.5 tile/tick, a standing jump rises 2.45 tiles in 7 ticks (enough for a
// 2-tile step), and a running jump clears a gap of about 6 tiles.
const (
	speedScale  = 0.5  // tiles per tick per speed unit
	gravity     = 0.2  // speed units per tick, downwards
	jumpImpulse = 1.5  // upward speed set by a jump from the ground
	groundAccel = 0.2  // horizontal acceleration with a direction held, on the ground
	airAccel    = 0.03 // horizontal acceleration with a direction held, in the air
	maxSpeed    = 1.0  // horizontal speed cap (0.5 tile/tick)
	maxFall     = 1.8  // downward speed cap (0.9 tile/tick < 1 tile: no tunnelling)
	// groundFriction and airDrag multiply vx on ticks with no direction held.
	groundFriction = 0.6
	airDrag        = 0.98
	// fastFall is the extra gravity while "down" is held in the air.
	fastFall = 0.2

	agentHalfWidth = 0.35 // the agent box is 0.7 wide
	agentHeight    = 0.9  // and 0.9 tall, so it fits 1-tile gaps and tunnels

	// hazardInset shrinks saw and lava boxes so grazing contact is forgiven.
	hazardInset = 0.1
	coinHalf    = 0.3 // the coin box is 0.6×0.6
)

// collisionEps keeps a body a hair away from the tile it was pushed out of,
// so the next tick's overlap test does not see it inside.
const collisionEps = 1e-6

// body is the agent's physical state. (x, y) is the bottom-centre of its box.
type body struct {
	x, y, vx, vy float64
	onGround     bool
}

// step advances b by one tick under horizontal input dx ∈ {-1,0,1} and
// vertical input dy ∈ {-1 (down), 0, 1 (jump)}, colliding with solid tiles
// one axis at a time (x first, then y).
func (b *body) step(lv *level, dx, dy int) {
	if dx != 0 {
		acc := airAccel
		if b.onGround {
			acc = groundAccel
		}
		b.vx += float64(dx) * acc
		if b.vx > maxSpeed {
			b.vx = maxSpeed
		} else if b.vx < -maxSpeed {
			b.vx = -maxSpeed
		}
	} else {
		if b.onGround {
			b.vx *= groundFriction
		} else {
			b.vx *= airDrag
		}
		if b.vx > -0.01 && b.vx < 0.01 {
			b.vx = 0
		}
	}
	if dy > 0 && b.onGround {
		b.vy = jumpImpulse
	}
	b.vy -= gravity
	if dy < 0 && !b.onGround {
		b.vy -= fastFall
	}
	if b.vy < -maxFall {
		b.vy = -maxFall
	}
	b.moveX(lv, b.vx*speedScale)
	b.onGround = b.moveY(lv, b.vy*speedScale)
}

// moveX moves b horizontally by d and pushes it out of any solid tile it
// entered, stopping its horizontal motion.
func (b *body) moveX(lv *level, d float64) {
	if d == 0 {
		return
	}
	b.x += d
	y0, y1 := cellRange(b.y, b.y+agentHeight)
	if d > 0 {
		tx := int(math.Floor(b.x + agentHalfWidth - collisionEps))
		for ty := y0; ty <= y1; ty++ {
			if solid(lv.at(tx, ty)) {
				b.x = float64(tx) - agentHalfWidth - collisionEps
				b.vx = 0
				return
			}
		}
	} else {
		tx := int(math.Floor(b.x - agentHalfWidth))
		for ty := y0; ty <= y1; ty++ {
			if solid(lv.at(tx, ty)) {
				b.x = float64(tx+1) + agentHalfWidth + collisionEps
				b.vx = 0
				return
			}
		}
	}
}

// moveY moves b vertically by d, pushes it out of any solid tile it entered
// and reports whether it landed on one.
func (b *body) moveY(lv *level, d float64) bool {
	b.y += d
	x0, x1 := cellRange(b.x-agentHalfWidth, b.x+agentHalfWidth)
	if d < 0 {
		ty := int(math.Floor(b.y))
		if b.y < 0 {
			return false // fell out of the level; the caller kills the agent
		}
		for tx := x0; tx <= x1; tx++ {
			if solid(lv.at(tx, ty)) {
				b.y = float64(ty + 1)
				b.vy = 0
				return true
			}
		}
		return false
	}
	ty := int(math.Floor(b.y + agentHeight - collisionEps))
	for tx := x0; tx <= x1; tx++ {
		if solid(lv.at(tx, ty)) {
			b.y = float64(ty) - agentHeight
			b.vy = 0
			return false
		}
	}
	return false
}

// cellRange returns the first and last cell index overlapped by the open
// interval (lo, hi).
func cellRange(lo, hi float64) (int, int) {
	return int(math.Floor(lo + collisionEps)), int(math.Floor(hi - collisionEps))
}

// overlaps reports whether the agent box of b overlaps the box
// [x0,x1]×[y0,y1].
func (b *body) overlaps(x0, y0, x1, y1 float64) bool {
	return b.x+agentHalfWidth > x0 && b.x-agentHalfWidth < x1 && b.y+agentHeight > y0 && b.y < y1
}

// deadly reports whether b at episode tick t touches lava, a saw or an
// enemy, or has fallen out of the bottom of the level.
func (lv *level) deadly(b *body, t int) bool {
	if b.y < 0 {
		return true
	}
	x0, x1 := cellRange(b.x-agentHalfWidth, b.x+agentHalfWidth)
	y0, y1 := cellRange(b.y, b.y+agentHeight)
	for ty := y0; ty <= y1; ty++ {
		for tx := x0; tx <= x1; tx++ {
			switch lv.at(tx, ty) {
			case tileLava, tileSaw:
				fx, fy := float64(tx), float64(ty)
				if b.overlaps(fx+hazardInset, fy+hazardInset, fx+1-hazardInset, fy+1-hazardInset) {
					return true
				}
			}
		}
	}
	for i := range lv.enemies {
		e := &lv.enemies[i]
		ex := e.xAt(t)
		if b.overlaps(ex-enemyHalfSize, e.y, ex+enemyHalfSize, e.y+2*enemyHalfSize) {
			return true
		}
	}
	return false
}

// touchesCoin reports whether b overlaps the coin box.
func (lv *level) touchesCoin(b *body) bool {
	return b.overlaps(lv.coinX-coinHalf, lv.coinY-coinHalf, lv.coinX+coinHalf, lv.coinY+coinHalf)
}

// inEndZone reports whether the centre of b lies in the end zone columns.
func (lv *level) inEndZone(b *body) bool { return b.x >= float64(lv.endX0()) }
