package envs

import (
	"slices"
	"testing"
)

func TestGridAtSet(t *testing.T) {
	g := NewGrid(4, 3)
	g.Set(3, 2, 9)
	g.Set(0, 0, 5)
	if g.At(3, 2) != 9 || g.Tiles[2*4+3] != 9 || g.At(0, 0) != 5 || g.Tiles[0] != 5 {
		t.Fatalf("row layout wrong: %v", g.Tiles)
	}
	if g.AtOr(-1, 0, 77) != 77 || g.AtOr(4, 0, 77) != 77 || g.AtOr(0, 3, 77) != 77 || g.AtOr(3, 2, 77) != 9 {
		t.Error("AtOr outside handling wrong")
	}
	for ci, p := range []Point{{-1, 0}, {4, 0}, {0, -1}, {0, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: At(%d, %d) did not panic", ci, p.X, p.Y)
				}
			}()
			g.At(p.X, p.Y)
		}()
	}
}

func TestGridFillRectClips(t *testing.T) {
	g := NewGrid(5, 4)
	g.Fill(1)
	g.FillRect(-2, 2, 2, 10, 7)
	if got, want := g.Count(7), 2*2; got != want {
		t.Fatalf("FillRect painted %d tiles, want %d", got, want)
	}
	if g.At(0, 2) != 7 || g.At(1, 3) != 7 || g.At(2, 3) != 1 || g.At(0, 1) != 1 {
		t.Errorf("FillRect painted the wrong tiles:\n%v", g.Tiles)
	}
}

func TestGridResizeReusesStorage(t *testing.T) {
	g := NewGrid(8, 8)
	g.Fill(3)
	p := &g.Tiles[0]
	g.Resize(5, 7)
	if g.W != 5 || g.H != 7 || len(g.Tiles) != 35 || &g.Tiles[0] != p {
		t.Fatalf("Resize: %d×%d len %d, storage reused %v", g.W, g.H, len(g.Tiles), &g.Tiles[0] == p)
	}
	if g.Count(0) != 35 {
		t.Error("Resize did not clear tiles")
	}
	h := NewGrid(1, 1)
	h.CopyFrom(g)
	g.Set(1, 1, 4)
	if h.W != 5 || h.At(1, 1) != 0 {
		t.Error("CopyFrom aliased or mis-sized")
	}
}

func TestGridNeighbours4(t *testing.T) {
	g := NewGrid(3, 3)
	for ci, c := range []struct {
		p    Point
		want []Point
	}{
		{Point{1, 1}, []Point{{1, 2}, {2, 1}, {1, 0}, {0, 1}}},
		{Point{0, 0}, []Point{{0, 1}, {1, 0}}},
		{Point{2, 2}, []Point{{2, 1}, {1, 2}}},
		{Point{0, 2}, []Point{{1, 2}, {0, 1}}},
	} {
		if got := g.Neighbours4(nil, c.p.X, c.p.Y); !slices.Equal(got, c.want) {
			t.Errorf("case %d: Neighbours4(%v) = %v, want %v", ci, c.p, got, c.want)
		}
	}
}

func TestGridDistances(t *testing.T) {
	// 0 = open, 1 = wall. Rows listed top first.
	rows := []string{
		"0001",
		"0101",
		"0100",
	}
	g := NewGrid(4, 3)
	for r, s := range rows {
		for x, ch := range s {
			g.Set(x, 2-r, uint8(ch-'0'))
		}
	}
	dist := make([]int32, 12)
	q := g.Distances(Point{0, 0}, func(t uint8) bool { return t == 0 }, dist, nil)
	for ci, c := range []struct {
		p    Point
		want int32
	}{
		{Point{0, 0}, 0}, {Point{0, 2}, 2}, {Point{2, 2}, 4}, {Point{2, 1}, 5},
		{Point{3, 0}, 7}, {Point{1, 0}, -1}, {Point{3, 2}, -1},
	} {
		if got := dist[c.p.Y*4+c.p.X]; got != c.want {
			t.Errorf("case %d: dist%v = %d, want %d", ci, c.p, got, c.want)
		}
	}
	if cap(q) == 0 {
		t.Error("queue not returned for reuse")
	}
}
