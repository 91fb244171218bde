package agents

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/misgen/misgen/envs"
)

// TestWritePolicyCheckpointRoundTrip: a policy written with a base
// checkpoint's metadata loads back with the same parameters and metadata;
// a policy of another architecture is refused.
func TestWritePolicyCheckpointRoundTrip(t *testing.T) {
	for _, cfg := range testArchs {
		p, err := NewPolicy(cfg, testIO, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Free()
		base := &Checkpoint{Path: "base.ckpt", ConfigHash: "abc", Policy: cfg, IO: testIO, PPO: DefaultPPOConfig(), Seed: 9,
			TrainLevels: envs.TrainSeeds(50), Update: 12, GlobalStep: 3456}
		path := filepath.Join(t.TempDir(), "tuned.ckpt")
		if err := WritePolicyCheckpoint(path, p, base); err != nil {
			t.Fatalf("%s: %v", cfg.Arch, err)
		}
		q, c, err := LoadPolicy(path)
		if err != nil {
			t.Fatalf("%s: %v", cfg.Arch, err)
		}
		defer q.Free()
		if c.ConfigHash != "abc" || c.Seed != 9 || c.TrainLevels != base.TrainLevels || c.Update != 12 || c.GlobalStep != 3456 || len(c.OptimState) != 0 {
			t.Errorf("%s: metadata %+v", cfg.Arch, c)
		}
		for i, n := range p.Params() {
			a, _ := n.Tensor.Float32s()
			b, _ := q.Params()[i].Tensor.Float32s()
			if !slices.Equal(a, b) {
				t.Errorf("%s: parameter %s changed in the round trip", cfg.Arch, n.Name)
			}
		}
	}
	p, err := NewPolicy(testArchs[1], testIO, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	other := &Checkpoint{Path: "base.ckpt", Policy: testArchs[0], IO: testIO}
	if err := WritePolicyCheckpoint(filepath.Join(t.TempDir(), "x.ckpt"), p, other); err == nil {
		t.Error("an MLP written over an IMPALA checkpoint's metadata was accepted")
	}
}
