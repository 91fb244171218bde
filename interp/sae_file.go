package interp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/schema"
)

// SAE files are safetensors files (internal/safetensors), so Python loads
// them directly. Tensors (F32, names as in SAE.Params):
//
//	w_enc [latents, d_in]   b_enc [latents]   w_dec [d_in, latents]   b_pre [d_in]
//
// Header metadata (string → string):
//
//	format "misgen.sae", format_version "1"
//	kind "topk" | "relu_l1"; k (topk only); l1 (relu_l1 only)
//	d_in, latents
//	layer: the policy hook point whose output the SAE reads
//	rows: "flat" (one row per sample: the layer's whole output) or
//	      "per_position" (one row per spatial position of a [C, H, W]
//	      output: that position's C channel values)
//	name: e.g. "local-64-L08", "e2e-64-L08"; objective: "local" | "e2e"
//	input_normalization "none": inputs are the raw layer outputs
//	decoder_norm "unit_columns": every column of w_dec has L2 norm 1
//	metrics: JSON of schema.SAEResult on held-out rows (absent if not scored)
//
// The forward pass is z = f(w_enc (x − b_pre) + b_enc), x̂ = w_dec z + b_pre
// with f = ReLU, or for topk the ReLU of each row's k largest entries and
// zero elsewhere.
const (
	saeFormat        = "misgen.sae"
	saeFormatVersion = "1"
)

// SAEPath is where the interp stage saves the SAE called name (e.g.
// "local-64-L08") trained at a site (e.g. "fc", or "stage1/pos" written
// "stage1_pos"): <dir>/saes/<site>.<name>.safetensors.
func SAEPath(dir, layer, name string) string {
	return filepath.Join(dir, "saes", layer+"."+name+".safetensors")
}

// SAEFileInfo is what an SAE file records besides the SAE itself.
type SAEFileInfo struct {
	Layer     string
	Name      string
	Objective string // "local" or "e2e"
	// PerPosition marks an SAE that reads a conv layer's output one
	// spatial position at a time (interp.Site.PerPosition).
	PerPosition bool
	Metrics     *schema.SAEResult // nil: not scored
}

// WriteFile atomically writes m and info to path as safetensors.
func (m *SAE) WriteFile(path string, info SAEFileInfo) error {
	c := m.Config
	meta := map[string]string{
		"format": saeFormat, "format_version": saeFormatVersion,
		"kind": string(c.Kind), "d_in": strconv.Itoa(c.DIn), "latents": strconv.Itoa(c.Latents),
		"layer": info.Layer, "rows": rowsMeta(info.PerPosition), "name": info.Name, "objective": info.Objective,
		"input_normalization": "none", "decoder_norm": "unit_columns",
	}
	switch c.Kind {
	case TopK:
		meta["k"] = strconv.Itoa(c.K)
	case ReLUL1:
		meta["l1"] = strconv.FormatFloat(c.L1, 'g', -1, 64)
	}
	if info.Metrics != nil {
		b, err := json.Marshal(info.Metrics)
		if err != nil {
			return fmt.Errorf("sae file %s: metrics: %w", path, err)
		}
		meta["metrics"] = string(b)
	}
	var ts []safetensors.Tensor
	for _, p := range m.Params() {
		v, err := p.Tensor.Float32s()
		if err != nil {
			return fmt.Errorf("sae file %s: %s: %w", path, p.Name, err)
		}
		ts = append(ts, safetensors.Float32(p.Name, int64s(p.Tensor.Shape()), v))
	}
	return safetensors.WriteFile(path, ts, meta)
}

func rowsMeta(perPosition bool) string {
	if perPosition {
		return "per_position"
	}
	return "flat"
}

func int64s(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

// ReadSAEFile loads an SAE written by WriteFile. The caller must Free it.
func ReadSAEFile(path string) (*SAE, SAEFileInfo, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, SAEFileInfo{}, err
	}
	bad := func(format string, args ...any) (*SAE, SAEFileInfo, error) {
		return nil, SAEFileInfo{}, fmt.Errorf("sae file %s: %s", path, fmt.Sprintf(format, args...))
	}
	meta := f.Metadata
	if meta["format"] != saeFormat || meta["format_version"] != saeFormatVersion {
		return bad("format %q version %q, want %q version %s", meta["format"], meta["format_version"], saeFormat, saeFormatVersion)
	}
	cfg := SAEConfig{Kind: Kind(meta["kind"])}
	ints := map[string]*int{"d_in": &cfg.DIn, "latents": &cfg.Latents}
	if cfg.Kind == TopK {
		ints["k"] = &cfg.K
	}
	for key, dst := range ints {
		if *dst, err = strconv.Atoi(meta[key]); err != nil {
			return bad("metadata %s = %q: want an integer", key, meta[key])
		}
	}
	if cfg.Kind == ReLUL1 {
		if cfg.L1, err = strconv.ParseFloat(meta["l1"], 64); err != nil {
			return bad("metadata l1 = %q: want a number", meta["l1"])
		}
	}
	if err := cfg.Validate(); err != nil {
		return bad("%v", err)
	}
	info := SAEFileInfo{Layer: meta["layer"], Name: meta["name"], Objective: meta["objective"], PerPosition: meta["rows"] == "per_position"}
	if s, ok := meta["metrics"]; ok {
		info.Metrics = &schema.SAEResult{}
		if err := json.Unmarshal([]byte(s), info.Metrics); err != nil {
			return bad("metrics: %v", err)
		}
	}
	d, n := cfg.DIn, cfg.Latents
	want := []struct {
		name  string
		shape []int
	}{{"w_enc", []int{n, d}}, {"b_enc", []int{n}}, {"w_dec", []int{d, n}}, {"b_pre", []int{d}}}
	if len(f.Tensors) != len(want) {
		return bad("%d tensors, want w_enc, b_enc, w_dec, b_pre", len(f.Tensors))
	}
	vals := make([][]float32, len(want))
	for i, w := range want {
		t, ok := f.Tensor(w.name)
		if !ok || fmt.Sprint(t.Shape) != fmt.Sprint(w.shape) {
			return bad("tensor %s: missing or shape %v, want %v", w.name, t.Shape, w.shape)
		}
		if vals[i], err = t.Float32s(); err != nil {
			return bad("%v", err)
		}
	}
	m, err := saeFromHost(cfg, vals[0], vals[1], vals[2], vals[3])
	if err != nil {
		return bad("%v", err)
	}
	return m, info, nil
}
