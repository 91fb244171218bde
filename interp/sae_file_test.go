package interp

import (
	"github.com/misgen/misgen/schema"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/internal/torch"
)

// An SAE written to a file reads back with the same config, parameters,
// metrics and reconstructions, for both kinds; a file whose metadata or
// tensors disagree is refused with the key or tensor named.
func TestSAEFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	data := randomObs(64, 12, 3).Matrix
	for _, cfg := range []SAEConfig{
		{Kind: TopK, DIn: 12, Latents: 20, K: 3},
		{Kind: ReLUL1, DIn: 12, Latents: 20, L1: 0.002},
	} {
		m, err := NewSAE(cfg, data.ColMeans(), 7)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Free()
		if _, err := Train(m, data, TrainOptions{Steps: 5, BatchSize: 16, LR: 1e-2, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		metrics := &schema.SAEResult{Name: "local-20-L02", Training: "local", L0: 2.5, FVU: 0.25, KL: 0.01, MDL: schema.MDLResult{DL: 12.5, Feasible: true}}
		path := SAEPath(dir, "fc", "local-20."+string(cfg.Kind))
		if err := m.WriteFile(path, SAEFileInfo{Layer: "fc", Name: "local-20-L02", Objective: "local", Metrics: metrics}); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(filepath.Dir(path)) != "saes" {
			t.Errorf("SAEPath = %s", path)
		}
		got, info, err := ReadSAEFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Free()
		if got.Config != cfg || info.Layer != "fc" || info.Objective != "local" || !reflect.DeepEqual(info.Metrics, metrics) {
			t.Errorf("%s: read config %+v info %+v", cfg.Kind, got.Config, info)
		}
		if a, b := reconstruct(t, m, data), reconstruct(t, got, data); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: reconstructions differ after the round trip", cfg.Kind)
		}
		f, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, hasK := f.Metadata["k"]; hasK != (cfg.Kind == TopK) {
			t.Errorf("%s: metadata %v: k only for topk", cfg.Kind, f.Metadata)
		}
		if _, hasL1 := f.Metadata["l1"]; hasL1 != (cfg.Kind == ReLUL1) {
			t.Errorf("%s: metadata %v: l1 only for relu_l1", cfg.Kind, f.Metadata)
		}
	}

	// Corruptions, each written as a valid safetensors file.
	m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 4, Latents: 6, K: 2}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	good := SAEPath(dir, "fc", "good")
	if err := m.WriteFile(good, SAEFileInfo{Layer: "fc", Name: "good", Objective: "local"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		edit func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor
		want string
	}{
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta["format"] = "other"
			return ts
		}, `format "other"`},
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta["k"] = "two"
			return ts
		}, `metadata k = "two"`},
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta["k"] = "9"
			return ts
		}, "sae k = 9"},
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			ts[0].Name = "W_enc"
			return ts
		}, "tensor w_enc: missing"},
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			ts[2].Shape = []int{6, 4}
			return ts
		}, "tensor w_dec: missing or shape [6 4], want [4 6]"},
		{func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			ts[1] = safetensors.Tensor{Name: "b_enc", DType: safetensors.I32, Shape: []int{6}, Data: make([]byte, 24)}
			return ts
		}, "is I32, not F32"},
	} {
		meta := map[string]string{}
		for k, v := range f.Metadata {
			meta[k] = v
		}
		ts := tc.edit(append([]safetensors.Tensor{}, f.Tensors...), meta)
		path := filepath.Join(dir, "bad.safetensors")
		if err := safetensors.WriteFile(path, ts, meta); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ReadSAEFile(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err = %v, want %q", i, err, tc.want)
		}
	}
}

func reconstruct(t *testing.T, m *SAE, x Matrix) []float32 {
	t.Helper()
	s := torch.NewNoGradScope()
	defer s.Close()
	xHat, _ := m.Reconstruct(s, s.FromFloat32(x.Data, int64(x.Rows), int64(x.Cols)))
	v, err := xHat.Float32s()
	if err != nil || s.Err() != nil {
		t.Fatal(err, s.Err())
	}
	return v
}
