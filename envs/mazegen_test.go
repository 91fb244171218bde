package envs

import "testing"

// TestKruskalMazeIsPerfect checks over many seeds and sizes that every cell
// is open and reachable and that the open tiles form a tree (open tiles =
// 2·cells − 1: cells plus one knocked-down wall per spanning-tree edge).
func TestKruskalMazeIsPerfect(t *testing.T) {
	var scratch *MazeScratch
	g := &Grid{}
	var dist []int32
	var queue []int32
	for _, size := range [][2]int{{5, 5}, {15, 15}, {25, 25}, {7, 11}} {
		for seed := uint64(0); seed < 300; seed++ {
			g.Resize(size[0], size[1])
			rng := NewRNG(seed)
			scratch = CarveKruskalMaze(g, &rng, 0, 1, scratch)
			cells := (size[0] + 1) / 2 * ((size[1] + 1) / 2)
			if open := g.Count(0); open != 2*cells-1 {
				t.Fatalf("%v seed %d: %d open tiles, want %d\n%s", size, seed, open, 2*cells-1, ASCII(g, &[256]byte{'.', '#'}))
			}
			dist = append(dist[:0], make([]int32, len(g.Tiles))...)
			queue = g.Distances(Point{0, 0}, func(t uint8) bool { return t == 0 }, dist, queue)
			for i, tile := range g.Tiles {
				if tile == 0 && dist[i] < 0 {
					t.Fatalf("%v seed %d: tile %d unreachable", size, seed, i)
				}
				if x, y := i%g.W, i/g.W; x%2 == 0 && y%2 == 0 && tile != 0 {
					t.Fatalf("%v seed %d: cell (%d, %d) closed", size, seed, x, y)
				}
				if x, y := i%g.W, i/g.W; x%2 == 1 && y%2 == 1 && tile != 1 {
					t.Fatalf("%v seed %d: post (%d, %d) open", size, seed, x, y)
				}
			}
		}
	}
}

func TestKruskalMazeDependsOnSeed(t *testing.T) {
	a, b, c := NewGrid(15, 15), NewGrid(15, 15), NewGrid(15, 15)
	ra, rb, rc := NewRNG(1), NewRNG(1), NewRNG(2)
	CarveKruskalMaze(a, &ra, 0, 1, nil)
	CarveKruskalMaze(b, &rb, 0, 1, nil)
	CarveKruskalMaze(c, &rc, 0, 1, nil)
	if string(a.Tiles) != string(b.Tiles) {
		t.Error("same seed gave different mazes")
	}
	if string(a.Tiles) == string(c.Tiles) {
		t.Error("seeds 1 and 2 gave the same maze")
	}
}
