package interp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

func TestHalfConversion(t *testing.T) {
	for i, tc := range []struct {
		f    float32
		want uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff},
		{65520, 0x7c00},                // rounds up to +Inf
		{float32(math.Pow(2, -24)), 1}, // smallest subnormal
		{float32(math.Inf(-1)), 0xfc00},
		{1 + 1.0/2048, 0x3c00}, // halfway, rounds to even (down)
		{1 + 3.0/2048, 0x3c02}, // halfway, rounds to even (up)
	} {
		if got := float32ToHalf(tc.f); got != tc.want {
			t.Errorf("case %d: half(%v) = %#04x, want %#04x", i, tc.f, got, tc.want)
		}
	}
	if !math.IsNaN(float64(halfToFloat32(float32ToHalf(float32(math.NaN()))))) {
		t.Error("NaN did not survive")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		f := float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		g := halfToFloat32(float32ToHalf(f))
		if math.Abs(float64(f)) >= 6.2e-5 && math.Abs(float64(f)) < 65504 {
			if rel := math.Abs(float64(g-f)) / math.Abs(float64(f)); rel > 1.0/2048 {
				t.Fatalf("half round trip of %v = %v, relative error %v", f, g, rel)
			}
		}
	}
}

func sampleStore() *Store {
	g := NewGroundTruth([]string{"coin", "level_end", "died"}, "coin", "level_end")
	acts := NewMatrix(5, 6)
	for i := range acts.Data {
		acts.Data[i] = float32(i)*0.25 - 3
	}
	for i := 0; i < 5; i++ {
		ep := int32(i / 3)
		variant := "train"
		if ep == 1 {
			variant = "coin_random"
		}
		g.Add(Step{Episode: ep, T: int32(i % 3), OOD: ep == 1, GoalVisible: i == 2, Action: int16(i % 4),
			AgentX: float32(i), AgentY: 1, GoalX: 10, GoalY: 2, ProxyX: 20, ProxyY: 1}, variant)
	}
	g.EndEpisode(0, "coin")
	g.EndEpisode(1, "level_end")
	return &Store{Layer: "fc", Shape: []int64{2, 3}, Acts: acts, Truth: g}
}

func TestStoreRoundTrip(t *testing.T) {
	st := sampleStore()
	for _, p := range []Precision{Float32, Float16} {
		path := filepath.Join(t.TempDir(), "fc.acts")
		if err := st.WriteFile(path, p); err != nil {
			t.Fatal(err)
		}
		got, err := ReadStoreFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Layer != "fc" || len(got.Shape) != 2 || got.Shape[1] != 3 || got.Acts.Rows != 5 {
			t.Fatalf("precision %d: header %q %v %d rows", p, got.Layer, got.Shape, got.Acts.Rows)
		}
		for i, v := range st.Acts.Data {
			if d := math.Abs(float64(got.Acts.Data[i] - v)); (p == Float32 && d != 0) || d > 1e-3*math.Abs(float64(v))+1e-7 {
				t.Fatalf("precision %d: value %d = %v, want %v", p, i, got.Acts.Data[i], v)
			}
		}
		for i, s := range st.Truth.Steps {
			if got.Truth.Steps[i] != s {
				t.Errorf("precision %d: step %d = %+v, want %+v", p, i, got.Truth.Steps[i], s)
			}
		}
		if got.Truth.Success != "coin" || len(got.Truth.Variants) != 2 {
			t.Errorf("truth header %+v", got.Truth)
		}
	}
	var buf bytes.Buffer
	if err := st.Write(&buf, Float32); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b[len(b)/2] ^= 1
	if _, err := ReadStore(bytes.NewReader(b)); !errors.Is(err, ErrCorruptStore) {
		t.Errorf("flipped byte: err = %v, want ErrCorruptStore", err)
	}
	if _, err := ReadStore(bytes.NewReader(b[:10])); !errors.Is(err, ErrCorruptStore) {
		t.Errorf("truncated: err = %v", err)
	}
	bad := *st
	bad.Truth = &GroundTruth{Steps: st.Truth.Steps[:2]}
	if err := bad.Write(&buf, Float32); err == nil {
		t.Error("store with mismatched steps written")
	}
}

func TestGroundTruthConcepts(t *testing.T) {
	st := sampleStore()
	st.Truth.Steps[4].GoalX, st.Truth.Steps[4].GoalY = 20, 1 // goal on the proxy
	rows := st.Truth.Apart(1)
	if fmt.Sprint(rows) != "[0 1 2 3]" {
		t.Fatalf("apart rows %v, want the four whose goal (10,2) is away from the proxy (20,1)", rows)
	}
	byName := map[string]Concept{}
	for _, c := range st.Truth.Concepts(rows) {
		byName[c.Name] = c
		if len(c.Values) != len(rows) || (c.Control != nil && len(c.Control) != len(rows)) {
			t.Errorf("%s: %d values for %d rows", c.Name, len(c.Values), len(rows))
		}
	}
	// Row 1: agent (1,1), goal (10,2), proxy (20,1).
	if v := byName["goal_near"].Values[1]; !near(v, -math.Hypot(9, 1), 1e-6) {
		t.Errorf("goal_near = %v", v)
	}
	if v := byName["proxy_near"].Values[1]; v != -19 {
		t.Errorf("proxy_near = %v, want -19", v)
	}
	if c := byName["goal_near"]; c.ControlName != "proxy_near" || c.Control[1] != -19 {
		t.Errorf("goal_near control %s %v", c.ControlName, c.Control)
	}
	if byName["goal_right"].Values[1] != 1 || byName["goal_left"].Values[1] != 0 {
		t.Error("goal direction wrong")
	}
	if gv := byName["goal_visible"].Values; gv[2] != 1 || gv[1] != 0 {
		t.Errorf("goal_visible %v", gv)
	}
	for _, banned := range []string{"episode_success", "episode_proxy", "ood"} {
		if _, ok := byName[banned]; ok {
			t.Errorf("outcome label %q offered as a concept", banned)
		}
	}
}

func TestLosslessPrecision(t *testing.T) {
	for _, c := range []struct {
		data []float32
		want Precision
	}{
		{nil, Float16},
		{[]float32{0, 1, 0.2, 0, -3, 65504}, Float32}, // 0.2 is not a binary16 value
		{[]float32{0, 1, 0.25, -3, 65504, 1.0 / 1024}, Float16},
		{[]float32{70000}, Float32}, // beyond the binary16 range
		{[]float32{float32(math.NaN())}, Float32},
	} {
		if got := LosslessPrecision(c.data); got != c.want {
			t.Errorf("LosslessPrecision(%v) = %d, want %d", c.data, got, c.want)
		}
	}
}
