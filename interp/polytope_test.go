package interp

import "testing"

func TestPolytopeCounts(t *testing.T) {
	// Sign patterns: rows 0,1 share (+,−,+); row 2 (+,+,+); row 3 = row 0's
	// pattern with different magnitudes; row 4 all off. Episodes: 0,0,0 | 1,1.
	acts := Matrix{Rows: 5, Cols: 3, Data: []float32{
		1, -1, 2,
		3, 0, 0.5,
		1, 1, 1,
		7, -3, 9,
		0, 0, -1,
	}}
	pat, err := NewPatterns(acts)
	if err != nil {
		t.Fatal(err)
	}
	codes := pat.Codes()
	if codes[0] != codes[1] || codes[0] != codes[3] || codes[0] == codes[2] || codes[4] == codes[0] {
		t.Fatalf("codes %x: want rows 0,1,3 equal and 2,4 distinct", codes)
	}
	st, err := Polytopes(codes, []int32{0, 0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Transitions: (0,1) same, (1,2) change, (3,4) change; (2,3) crosses episodes.
	if st.Distinct != 3 || st.Transitions != 3 || !near(st.ChangeRate, 2.0/3, 1e-12) {
		t.Errorf("stats %+v, want 3 distinct, 3 transitions, change rate 2/3", st)
	}
	// The same steps with the two episodes interleaved give the same stats.
	inter := []uint64{codes[0], codes[3], codes[1], codes[4], codes[2]}
	if st2, _ := Polytopes(inter, []int32{0, 1, 0, 1, 0}); st2 != st {
		t.Errorf("interleaved stats %+v, want %+v", st2, st)
	}
	// Wide rows: patterns differing only in bit 70 must differ.
	wide := NewMatrix(2, 72)
	wide.Data[70] = 1
	if wp, _ := NewPatterns(wide); wp.Codes()[0] == wp.Codes()[1] {
		t.Error("codes of patterns differing in bit 70 collide")
	}
	if _, err := Polytopes(codes, []int32{0}); err == nil {
		t.Error("Polytopes accepted mismatched lengths")
	}
}
