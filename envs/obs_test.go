package envs

import (
	"image/color"
	"testing"
)

// levelFromRows builds a grid from text rows listed top first; each byte
// minus '0' is the tile code.
func levelFromRows(rows ...string) *Grid {
	g := NewGrid(len(rows[0]), len(rows))
	for r, s := range rows {
		for x := 0; x < len(s); x++ {
			g.Set(x, g.H-1-r, s[x]-'0')
		}
	}
	return g
}

func TestWindowLoadOrientationAndOutside(t *testing.T) {
	g := levelFromRows(
		"123",
		"456",
		"789",
	)
	w := NewWindow(3)
	for ci, c := range []struct {
		cx, cy int
		want   string // window codes + '0', top row first
	}{
		{1, 1, "123456789"},
		{0, 0, "x45x78xxx"},
		{2, 2, "xxx23x56x"},
		{5, 5, "xxxxxxxxx"},
	} {
		w.Load(g, c.cx, c.cy, 'x'-'0')
		got := make([]byte, 9)
		for i, v := range w.Codes {
			got[i] = v + '0'
		}
		if string(got) != c.want {
			t.Errorf("case %d: centre (%d, %d): window %s, want %s", ci, c.cx, c.cy, got, c.want)
		}
	}
}

func TestWindowPut(t *testing.T) {
	g := NewGrid(10, 10)
	w := NewWindow(5)
	w.Load(g, 4, 4, 9)
	for ci, c := range []struct {
		x, y  int
		in    bool
		index int
	}{
		{4, 4, true, 12}, {2, 6, true, 0}, {6, 2, true, 24}, {5, 4, true, 13}, {4, 5, true, 7},
		{1, 4, false, 0}, {4, 7, false, 0}, {7, 7, false, 0},
	} {
		clear(w.Codes)
		if got := w.Put(c.x, c.y, 5); got != c.in {
			t.Errorf("case %d: Put(%d, %d) = %v, want %v", ci, c.x, c.y, got, c.in)
			continue
		}
		if c.in && w.Codes[c.index] != 5 {
			t.Errorf("case %d: Put(%d, %d) wrote %v, want index %d", ci, c.x, c.y, w.Codes, c.index)
		}
		if r, col, ok := w.Cell(c.x, c.y); ok != c.in || ok && r*5+col != c.index {
			t.Errorf("case %d: Cell(%d, %d) = %d, %d, %v", ci, c.x, c.y, r, col, ok)
		}
	}
}

// PaintCell paints exactly the pixels of the tile's cell whose centre lies
// in the shape: here the left half of the cell (u < 0.5) and the top row
// band (v > 0.75), at sizes that do and do not divide evenly.
func TestRGBEncoderPaintCell(t *testing.T) {
	g := NewGrid(9, 9)
	w := NewWindow(3)
	w.Load(g, 4, 4, 0)
	var pal Palette
	red := color.RGBA{255, 0, 0, 255}
	for _, size := range []int{12, 30, 13} {
		e := NewRGBEncoder(3, size, &pal)
		dst := make([]float32, e.Size3())
		e.Encode(dst, w)
		e.PaintCell(dst, w, 5, 5, func(u, v float32) bool { return u < 0.5 || v > 0.75 }, red) // top-right cell
		e.PaintCell(dst, w, 8, 8, func(u, v float32) bool { return true }, red)                // outside: no-op
		for py := 0; py < size; py++ {
			for px := 0; px < size; px++ {
				// Pixel centre in window cells, from the left and from the top.
				cx, cy := (float64(px)+0.5)*3/float64(size), (float64(py)+0.5)*3/float64(size)
				want := cx >= 2 && cy < 1 && (cx-2 < 0.5 || 1-cy > 0.75)
				if got := dst[py*size+px] == 1; got != want || dst[size*size+py*size+px] != 0 {
					t.Fatalf("size %d: pixel (%d, %d) painted %v, want %v", size, px, py, got, want)
				}
			}
		}
	}
}

func TestSymbolicEncoder(t *testing.T) {
	g := levelFromRows(
		"010",
		"000",
		"011",
	)
	w := NewWindow(3)
	w.Load(g, 0, 1, 2) // left column outside
	w.Put(0, 1, 3)     // agent at centre
	e := NewSymbolicEncoder(3, 4)
	e.SetChannels(0, 0)    // floor
	e.SetChannels(1, 1)    // wall
	e.SetChannels(2, 2)    // outside
	e.SetChannels(3, 3, 0) // agent on floor
	dst := make([]float32, e.Size())
	for i := range dst {
		dst[i] = 7 // must be overwritten
	}
	e.Encode(dst, w)
	// Window rows, top first: y=2 -> [out, 0, 1]; y=1 -> [out, agent, 0];
	// y=0 -> [out, 0, 1]. The agent also sets the floor channel.
	want := [4]string{
		"010" + "011" + "010",
		"001" + "000" + "001",
		"100" + "100" + "100",
		"000" + "010" + "000",
	}
	for c := 0; c < 4; c++ {
		for i := 0; i < 9; i++ {
			if got := dst[c*9+i]; got != float32(want[c][i]-'0') {
				t.Errorf("channel %d cell %d = %v, want %c", c, i, got, want[c][i])
			}
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { e.Encode(dst, w) }); allocs != 0 {
		t.Errorf("Encode allocates %v times", allocs)
	}
}

func TestRGBEncoderMatchesDirectSampling(t *testing.T) {
	var pal Palette
	for i := range pal {
		pal[i] = color.RGBA{uint8(i), uint8(255 - i), uint8(i * 7), 255}
	}
	for ci, c := range []struct{ view, size int }{{13, 64}, {3, 8}, {5, 5}, {7, 100}, {9, 4}} {
		w := NewWindow(c.view)
		r := NewRNG(uint64(ci))
		for i := range w.Codes {
			w.Codes[i] = uint8(r.Intn(256))
		}
		e := NewRGBEncoder(c.view, c.size, &pal)
		dst := make([]float32, e.Size3())
		e.Encode(dst, w)
		plane := c.size * c.size
		for py := 0; py < c.size; py++ {
			for px := 0; px < c.size; px++ {
				cell := (py*2+1)*c.view/(2*c.size)*c.view + (px*2+1)*c.view/(2*c.size)
				col := pal[w.Codes[cell]]
				for ch, v := range []uint8{col.R, col.G, col.B} {
					if got := dst[ch*plane+py*c.size+px]; got != float32(v)/255 {
						t.Fatalf("case %d: pixel (%d, %d) channel %d = %v, want %v", ci, px, py, ch, got, float32(v)/255)
					}
				}
			}
		}
		if allocs := testing.AllocsPerRun(20, func() { e.Encode(dst, w) }); allocs != 0 {
			t.Errorf("case %d: Encode allocates %v times", ci, allocs)
		}
	}
}

func TestFillRGBRect(t *testing.T) {
	dst := make([]float32, 3*4*4)
	FillRGBRect(dst, 4, -1, 3, 2, 9, color.RGBA{255, 0, 51, 255})
	for ch, want := range []float32{1, 0, 0.2} {
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				got := dst[ch*16+y*4+x]
				exp := float32(0)
				if y == 3 && x < 2 {
					exp = want
				}
				if got != exp {
					t.Errorf("channel %d pixel (%d, %d) = %v, want %v", ch, x, y, got, exp)
				}
			}
		}
	}
}
