package interp

import (
	"fmt"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func TestCaptureRecordsLayerOutputs(t *testing.T) {
	tm := newTinyModel(t, 5, 7, 3, 2)
	obs := randomObs(10, 5, 3)
	c := NewCapture("fc")
	g := NewGroundTruth(nil, "", "")
	s := torch.NewNoGradScope()
	defer s.Close()
	for lo := 0; lo < 10; lo += 4 { // three batches: 4, 4, 2
		hi := min(10, lo+4)
		logits, _ := tm.forward(s, obs.tensor(s, lo, hi), c.Hook())
		if logits == nil {
			t.Fatal(s.Err())
		}
		for i := lo; i < hi; i++ {
			g.Add(Step{T: int32(i), Action: -1}, "train")
		}
	}
	want := floats(t, s.Relu(s.Linear(obs.tensor(s, 0, 10), tm.w1, tm.b1)))
	got := c.Acts("fc")
	if got.Rows != 10 || got.Cols != 7 {
		t.Fatalf("captured %d×%d, want 10×7", got.Rows, got.Cols)
	}
	for i, v := range want {
		if got.Data[i] != v {
			t.Fatalf("value %d = %v, want %v", i, got.Data[i], v)
		}
	}
	stores, err := c.Stores(g)
	if err != nil || len(stores) != 1 || stores[0].Shape[0] != 7 {
		t.Fatalf("stores %v, %v", stores, err)
	}
	if _, err := NewCapture("conv9").Stores(g); err == nil {
		t.Error("a layer that never ran gave no error")
	}
}

// A per-position site reads a conv output as one row per (sample, h, w),
// the same rows PositionRows makes from captured flat rows, and writes
// rows back where they came from.
func TestPerPositionSite(t *testing.T) {
	const b, c, h, w = 2, 3, 2, 4
	vals := make([]float32, b*c*h*w)
	for i := range vals {
		vals[i] = float32(i)
	}
	s := torch.NewNoGradScope()
	defer s.Close()
	act := s.FromFloat32(vals, b, c, h, w)
	site := Site{Layer: "conv", PerPosition: true}
	var rows Matrix
	out := site.Hook(func(s *torch.Scope, r *torch.Tensor) *torch.Tensor {
		m, err := MatrixOf(r)
		if err != nil {
			t.Fatal(err)
		}
		rows = m
		return s.MulScalar(r, 2)
	})(s, "conv", act)
	if out == nil {
		t.Fatal(s.Err())
	}
	want, err := PositionRows(Matrix{Rows: b, Cols: c * h * w, Data: vals}, []int64{c, h, w})
	if err != nil {
		t.Fatal(err)
	}
	if rows.Rows != b*h*w || rows.Cols != c || fmt.Sprint(rows.Data) != fmt.Sprint(want.Data) {
		t.Fatalf("site rows %d×%d %v\nwant %v", rows.Rows, rows.Cols, rows.Data, want.Data)
	}
	// Row (n=1, h=0, w=2) holds channel values 24+2, 24+8+2, 24+16+2.
	if r := want.Row(1*h*w + 0*w + 2); r[0] != 26 || r[1] != 34 || r[2] != 42 {
		t.Errorf("row (1,0,2) = %v", r)
	}
	back := floats(t, out)
	for i, v := range vals {
		if back[i] != 2*v {
			t.Fatalf("value %d back as %v, want %v", i, back[i], 2*v)
		}
	}
	if bad := site.Hook(func(s *torch.Scope, r *torch.Tensor) *torch.Tensor { return r })(s, "conv", s.FromFloat32(vals, b, c*h*w)); bad != nil || s.Err() == nil {
		t.Error("per-position site on a flat layer did not fail")
	}
}

func TestSiteOfAndFileName(t *testing.T) {
	for _, c := range []struct {
		layer      string
		shape      []int64
		site, file string
	}{
		{"fc", []int64{64}, "fc", "fc"},
		{"stage1", []int64{16, 2, 2}, "stage1/pos", "stage1_pos"},
		{"embed", []int64{4, 8}, "embed", "embed"},
	} {
		st := SiteOf(c.layer, c.shape)
		if st.String() != c.site || st.FileName() != c.file || st.Layer != c.layer {
			t.Errorf("SiteOf(%q, %v) = %+v: %q, file %q; want %q, %q", c.layer, c.shape, st, st, st.FileName(), c.site, c.file)
		}
	}
}
