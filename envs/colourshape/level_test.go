package colourshape

import (
	"slices"
	"testing"

	"github.com/misgen/misgen/envs"
)

// tightConfigs are the variants the placement tests sweep: the defaults,
// both layouts with and without equal distances, and the most objects the
// smallest level accepts.
func tightConfigs() []Config {
	train := *DefaultConfig()
	split := train
	split.Objects = ObjectsSplit
	free := split
	free.EqualDistance = false
	bare := train
	bare.Distractors = 0
	small := Config{Size: 5, MaxSteps: 50, Colour: "red", Shape: "disc", Objects: ObjectsSplit, Distractors: 1, EqualDistance: true}
	crowded := Config{Size: 7, MaxSteps: 50, Colour: "blue", Shape: "gem", Objects: ObjectsSplit, Distractors: 4, EqualDistance: true}
	big := Config{Size: 25, MaxSteps: 50, Colour: "yellow", Shape: "line", Objects: ObjectsGoal, Distractors: 3}
	return []Config{train, split, free, bare, small, crowded, big}
}

// pathTiles lists the tiles of the unique maze path from a to b, both
// included.
func pathTiles(g *envs.Grid, a, b envs.Point) []envs.Point {
	dist := make([]int32, len(g.Tiles))
	g.Distances(b, func(t uint8) bool { return t == tileFloor }, dist, nil)
	out := []envs.Point{a}
	for p := a; p != b; {
		for _, d := range envs.Dirs4 {
			q := p.Add(d)
			if g.In(q.X, q.Y) && dist[q.Y*g.W+q.X] == dist[p.Y*g.W+p.X]-1 && dist[q.Y*g.W+q.X] >= 0 {
				p = q
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// TestPlacement generates thousands of levels per variant: the object
// count and roles are right, objects stand on distinct open tiles other
// than the start, every object is reachable from the start along a path
// that crosses no other object, the chosen pair is equidistant when asked,
// and the attributes follow the roles.
func TestPlacement(t *testing.T) {
	for ci, cfg := range tightConfigs() {
		if err := cfg.Validate(); err != nil {
			t.Fatalf("case %d: %v", ci, err)
		}
		var l level
		const seeds = 2000
		for seed := uint64(0); seed < seeds; seed++ {
			l.generate(&cfg, seed)
			checkLevel(t, ci, seed, &cfg, &l)
		}
	}
}

func checkLevel(t *testing.T, ci int, seed uint64, cfg *Config, l *level) {
	t.Helper()
	g := &l.grid
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("case %d seed %d: "+format+"\n%s", append([]any{ci, seed}, append(args, envs.ASCII(g, &asciiChars))...)...)
	}
	if len(l.objects) != cfg.numObjects() {
		fail("%d objects, want %d", len(l.objects), cfg.numObjects())
	}
	if g.At(l.start.X, l.start.Y) != tileFloor {
		fail("start %v on a wall", l.start)
	}
	var roles []int
	seen := map[envs.Point]bool{}
	for _, o := range l.objects {
		if o.pos == l.start || seen[o.pos] || g.At(o.pos.X, o.pos.Y) != tileFloor {
			fail("object at %v on the start, a wall or another object", o.pos)
		}
		seen[o.pos] = true
		roles = append(roles, o.role)
	}
	for _, o := range l.objects {
		for _, p := range pathTiles(g, l.start, o.pos)[1:] {
			if p != o.pos && seen[p] {
				fail("object %v is only reachable through the object at %v", o.pos, p)
			}
		}
	}
	wantRoles := []int{roleGoal}
	if cfg.Objects == ObjectsSplit {
		wantRoles = []int{roleColourMatch, roleShapeMatch}
	}
	for range cfg.Distractors {
		wantRoles = append(wantRoles, roleDistractor)
	}
	if !slices.Equal(roles, wantRoles) {
		fail("roles %v, want %v", roles, wantRoles)
	}
	if cfg.EqualDistance && len(l.objects) >= 2 {
		a, b := len(pathTiles(g, l.start, l.objects[0].pos)), len(pathTiles(g, l.start, l.objects[1].pos))
		if a != b {
			fail("pair at maze distances %d and %d", a-1, b-1)
		}
	}
	colour, shape := slices.Index(Colours, cfg.Colour), slices.Index(Shapes, cfg.Shape)
	for _, o := range l.objects {
		hasColour, hasShape := o.colour == colour, o.shape == shape
		want := map[int][2]bool{roleGoal: {true, true}, roleColourMatch: {true, false}, roleShapeMatch: {false, true}, roleDistractor: {false, false}}[o.role]
		if [2]bool{hasColour, hasShape} != want {
			fail("object role %d has colour %s shape %s", o.role, Colours[o.colour], Shapes[o.shape])
		}
	}
}

// TestPlacementSpread checks that placement is not degenerate: starts,
// goal tiles, equal distances and the other colours and shapes all vary
// over seeds.
func TestPlacementSpread(t *testing.T) {
	cfg := *DefaultConfig()
	cfg.Objects = ObjectsSplit
	var l level
	starts, goals, dists := map[envs.Point]bool{}, map[envs.Point]bool{}, map[int]bool{}
	otherColour, otherShape := map[int]int{}, map[int]int{}
	const seeds = 1000
	for seed := uint64(0); seed < seeds; seed++ {
		l.generate(&cfg, seed)
		starts[l.start] = true
		goals[l.objects[1].pos] = true
		dists[int(l.distAt(l.objects[0].pos))] = true
		otherShape[l.objects[0].shape]++
		otherColour[l.objects[1].colour]++
	}
	open := 2*16 - 1 // a 7×7 perfect maze
	if len(starts) < open*3/4 || len(goals) < open*3/4 || len(dists) < 4 {
		t.Errorf("%d starts, %d shape-match tiles, %d pair distances over %d seeds", len(starts), len(goals), len(dists), seeds)
	}
	// The colour match has a uniformly drawn other shape: gem and disc
	// about 500 times each (binomial sd ≈ 16).
	for _, m := range []map[int]int{otherShape, otherColour} {
		if len(m) != 2 {
			t.Fatalf("other attributes %v, want two values", m)
		}
		for v, n := range m {
			if n < 400 || n > 600 {
				t.Errorf("attribute %d drawn %d of %d times", v, n, seeds)
			}
		}
	}
}
