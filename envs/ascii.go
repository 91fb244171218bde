package envs

// Glyph puts the character Ch at level tile (X, Y) over the grid in ASCII.
type Glyph struct {
	X, Y int
	Ch   byte
}

// ASCII draws g as text, one line per row from the top row (highest y) down,
// each tile shown as chars[tile]. Overlays are drawn in order over the
// tiles (later ones win); overlays outside the grid are ignored. Tiles whose
// char is 0 show as '?', which makes unexpected codes stand out.
func ASCII(g *Grid, chars *[256]byte, overlays ...Glyph) string {
	buf := make([]byte, g.H*(g.W+1))
	for r := 0; r < g.H; r++ {
		y := g.H - 1 - r
		line := buf[r*(g.W+1) : (r+1)*(g.W+1)]
		for x := 0; x < g.W; x++ {
			ch := chars[g.Tiles[y*g.W+x]]
			if ch == 0 {
				ch = '?'
			}
			line[x] = ch
		}
		line[g.W] = '\n'
	}
	for _, o := range overlays {
		if g.In(o.X, o.Y) {
			buf[(g.H-1-o.Y)*(g.W+1)+o.X] = o.Ch
		}
	}
	return string(buf)
}
