package envs

import "testing"

func TestSeedConventionsDisjoint(t *testing.T) {
	train := TrainSeeds(100000)
	eval := EvalSeeds(0, 1000)
	if train.Contains(eval.Start) || eval.Contains(train.Start+train.Count-1) || !eval.Contains(EvalSeedBase+999) || eval.Contains(EvalSeedBase+1000) {
		t.Error("training and evaluation sets overlap or Contains is wrong")
	}
	for ci, s := range []LevelSeeds{{Count: 0}, {Start: ^uint64(0), Count: 2}, {Count: 1, Order: 9}} {
		if s.Validate() == nil {
			t.Errorf("case %d: %+v validated", ci, s)
		}
	}
}

func TestOverlaps(t *testing.T) {
	for i, tc := range []struct {
		a, b LevelSeeds
		want bool
	}{
		{TrainSeeds(10), EvalSeeds(0, 10), false},
		{TrainSeeds(EvalSeedBase), EvalSeeds(0, 1), false},
		{TrainSeeds(EvalSeedBase + 1), EvalSeeds(0, 1), true},
		{LevelSeeds{Start: 5, Count: 5}, LevelSeeds{Start: 9, Count: 1}, true},
		{LevelSeeds{Start: 5, Count: 5}, LevelSeeds{Start: 10, Count: 1}, false},
		{LevelSeeds{Start: 5, Count: 5}, LevelSeeds{Start: 0, Count: 6}, true},
		{LevelSeeds{Start: 5, Count: 5}, LevelSeeds{Start: 0, Count: 5}, false},
		{LevelSeeds{Start: 5, Count: 5}, LevelSeeds{Start: 6, Count: 0}, false},
	} {
		if got, rev := tc.a.Overlaps(tc.b), tc.b.Overlaps(tc.a); got != tc.want || rev != tc.want {
			t.Errorf("case %d: %v overlaps %v: %v (reversed %v), want %v", i, tc.a, tc.b, got, rev, tc.want)
		}
	}
}

func TestSeedSourceUniform(t *testing.T) {
	src := seedSource{set: LevelSeeds{Start: 10, Count: 5}, rng: NewRNG(1)}
	counts := map[uint64]int{}
	for i := 0; i < 5000; i++ {
		counts[src.next()]++
	}
	if len(counts) != 5 {
		t.Fatalf("drew seeds %v, want all of [10, 15)", counts)
	}
	for s, c := range counts {
		if s < 10 || s >= 15 || c < 850 || c > 1150 {
			t.Errorf("seed %d drawn %d times of 5000", s, c)
		}
	}
}

func TestSeedSourceSequentialWraps(t *testing.T) {
	src := seedSource{set: EvalSeeds(7, 3)}
	want := []uint64{EvalSeedBase + 7, EvalSeedBase + 8, EvalSeedBase + 9, EvalSeedBase + 7}
	for i, w := range want {
		if got := src.next(); got != w {
			t.Errorf("draw %d: %d, want %d", i, got, w)
		}
	}
	if src.issued != 4 {
		t.Errorf("issued %d, want 4", src.issued)
	}
}
