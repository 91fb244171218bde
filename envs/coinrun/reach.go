package coinrun

import (
	"math"
	"slices"
)

// The reachability check is a best-first search over real simulated
// states: every node holds an exact physics state and tick reached from the
// start by a concrete sequence of macro-actions (one of six inputs, held
// for macroTicks ticks), so a found path is a real action sequence that
// collects the coin (the check is sound). Nodes are deduplicated by a coarse
// discretisation of position and velocity, which prunes states that differ
// only slightly: the search may miss a path that needs finer timing (it is
// incomplete), and then generation retries the level.

const (
	macroTicks   = 3    // ticks each macro-action is held
	maxExpanded  = 6000 // node budget per search
	cellsPerTile = 4    // position quantisation for deduplication
)

// macros are the inputs the search tries: left, none, right, each with and
// without jump held. "Down" only speeds falls up and is never needed.
var macros = [6][2]int{{1, 0}, {1, 1}, {0, 1}, {0, 0}, {-1, 0}, {-1, 1}}

// macroAction is the env action that gives each macro's input.
var macroAction = [6]int{7, 8, 5, 4, 1, 2}

type searchNode struct {
	b      body
	t      int
	prio   float64
	parent int32 // index in searcher.nodes, -1 for the start
	macro  int8  // macro that led here from parent
}

// searcher holds reusable buffers for reachability searches.
type searcher struct {
	seen  []uint64 // bitset over discretised states
	nodes []searchNode
	heap  []int32 // indices into nodes, a min-heap on prio
	goal  int32   // node whose macro reached the coin, -1 if none
	// expanded counts nodes expanded by all searches so far (for tests and
	// tuning).
	expanded int
}

// reachable reports whether the search finds a way for the agent, starting
// at rest on lv's start tile at tick 0, to touch the coin within maxSteps
// ticks without dying and, when the coin is not at the end, without
// entering the end zone (which would end the episode). After a success,
// path returns the actions.
func (s *searcher) reachable(lv *level, maxSteps int) bool {
	nx, ny := lv.w*cellsPerTile, (lv.h+4)*cellsPerTile
	bits := nx * ny * 5 * 3 * 2
	words := (bits + 63) / 64
	if cap(s.seen) < words {
		s.seen = make([]uint64, words)
	}
	s.seen = s.seen[:words]
	clear(s.seen)
	s.heap = s.heap[:0]
	s.nodes = s.nodes[:0]
	s.goal = -1

	s.push(lv, searchNode{b: body{x: lv.startX, y: lv.startY, onGround: true}, parent: -1})
	for budget := maxExpanded; len(s.heap) > 0 && budget > 0; budget-- {
		ni := s.pop()
		s.expanded++
		for mi, m := range macros {
			n := &s.nodes[ni]
			b, t := n.b, n.t
			alive := true
			for range macroTicks {
				b.step(lv, m[0], m[1])
				t++
				if lv.deadly(&b, t) || t >= maxSteps {
					alive = false
					break
				}
				if lv.touchesCoin(&b) {
					s.push(lv, searchNode{b: b, t: t, parent: ni, macro: int8(mi)})
					s.goal = int32(len(s.nodes) - 1)
					return true
				}
				if !lv.coinAtEnd && lv.inEndZone(&b) {
					alive = false
					break
				}
			}
			if !alive || !s.markNew(lv, &b, nx, ny) {
				continue
			}
			s.push(lv, searchNode{b: b, t: t, parent: ni, macro: int8(mi)})
		}
	}
	return false
}

// path appends to dst the actions of the last successful search, one per
// tick, from the start to the tick that touches the coin (the final macro
// may be cut short there), and returns the extended slice. It returns dst
// unchanged if the last search failed.
func (s *searcher) path(dst []int) []int {
	if s.goal < 0 {
		return dst
	}
	first := len(dst)
	for i := s.goal; s.nodes[i].parent >= 0; i = s.nodes[i].parent {
		for range macroTicks {
			dst = append(dst, macroAction[s.nodes[i].macro])
		}
	}
	slices.Reverse(dst[first:])
	return dst
}

// markNew marks b's discretised state as seen and reports whether it was new.
func (s *searcher) markNew(lv *level, b *body, nx, ny int) bool {
	xq := clampInt(int(b.x*cellsPerTile), 0, nx-1)
	yq := clampInt(int(b.y*cellsPerTile), 0, ny-1)
	vxq := clampInt(int(math.Round(b.vx*2))+2, 0, 4)
	vyq := 1
	if b.vy > 0.05 {
		vyq = 2
	} else if b.vy < -0.05 {
		vyq = 0
	}
	g := 0
	if b.onGround {
		g = 1
	}
	k := (((xq*ny+yq)*5+vxq)*3+vyq)*2 + g
	w, bit := k/64, uint64(1)<<(k%64)
	if s.seen[w]&bit != 0 {
		return false
	}
	s.seen[w] |= bit
	return true
}

// push stores n and adds it to the heap, ordered by distance to the coin
// (greedy best-first: the coin is usually reached with few expansions).
func (s *searcher) push(lv *level, n searchNode) {
	n.prio = math.Abs(lv.coinX-n.b.x) + 0.5*math.Abs(lv.coinY-n.b.y-agentHeight/2)
	s.nodes = append(s.nodes, n)
	h := append(s.heap, int32(len(s.nodes)-1))
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if s.nodes[h[p]].prio <= s.nodes[h[i]].prio {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	s.heap = h
}

// pop removes and returns the node index with the lowest priority.
func (s *searcher) pop() int32 {
	h := s.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && s.nodes[h[l]].prio < s.nodes[h[m]].prio {
			m = l
		}
		if r < len(h) && s.nodes[h[r]].prio < s.nodes[h[m]].prio {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}
