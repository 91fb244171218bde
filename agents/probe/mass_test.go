package probe

import (
	"math"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

func TestUnitChannelMass(t *testing.T) {
	// 2 units reading 2 channels of 2 values each.
	w := torch.HostTensor{Name: "w", Shape: []int64{2, 4}, Data: []float32{1, 2, 0, 3, -1, 0, 2, 2}}
	m, err := UnitChannelMass(w, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{5, 9}, {1, 8}}
	for u := range want {
		for c := range want[u] {
			if m[u][c] != want[u][c] {
				t.Errorf("mass %v, want %v", m, want)
			}
		}
	}
	if _, err := UnitChannelMass(w, 3); err == nil {
		t.Error("4 inputs per unit split into 3 channels")
	}
}

// For every architecture, ChannelMass is UnitChannelMass summed over
// units, and a policy without a first-layer rule is an error.
func TestChannelMass(t *testing.T) {
	io := agents.PolicyIO{Game: "test", ObsShape: [3]int{3, 5, 5}, NumActions: 4}
	for _, cfg := range []agents.PolicyConfig{
		{Arch: "impala", Widths: []int{4}, ResBlocks: 1, Hidden: 8},
		{Arch: "mlp", Hidden: 8, Layers: 1},
		{Arch: "bilinear", Hidden: 8},
	} {
		p, err := agents.NewPolicy(cfg, io, 2)
		if err != nil {
			t.Fatal(err)
		}
		total, err := ChannelMass(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := FirstLayer(p)
		p.Free()
		if err != nil {
			t.Fatal(err)
		}
		units, err := UnitChannelMass(w, io.ObsShape[0])
		if err != nil {
			t.Fatal(err)
		}
		for c := range total {
			var s float64
			for _, m := range units {
				s += m[c]
			}
			if math.Abs(s-total[c]) > 1e-9*s || total[c] == 0 {
				t.Errorf("%s channel %d: ChannelMass %v, units sum to %v", cfg.Arch, c, total[c], s)
			}
		}
	}
}
