package agents

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

var testIO = PolicyIO{Game: "test", ObsShape: [3]int{4, 7, 9}, NumActions: 5}

var testArchs = []PolicyConfig{
	{Arch: "impala", Widths: []int{4, 6}, ResBlocks: 1, Hidden: 16},
	{Arch: "mlp", Hidden: 16, Layers: 2},
	{Arch: "bilinear", Hidden: 16},
}

func randObs(s *torch.Scope, n int64, io PolicyIO) *torch.Tensor {
	return s.Rand(n, int64(io.ObsShape[0]), int64(io.ObsShape[1]), int64(io.ObsShape[2]))
}

func TestPolicyShapesAndLayers(t *testing.T) {
	wantLayers := [][]string{
		{"stage0.res0.relu0", "stage0.res0.relu1", "stage0", "stage1.res0.relu0", "stage1.res0.relu1", "stage1", "trunk.relu", "fc"},
		{"fc0", "fc1"}, {"embed", "bilinear"}}
	wantReLU := [][]string{
		{"stage0.res0.relu0", "stage0.res0.relu1", "stage1.res0.relu0", "stage1.res0.relu1", "trunk.relu", "fc"},
		{"fc0", "fc1"}, nil}
	for i, cfg := range testArchs {
		p, err := NewPolicy(cfg, testIO, 1)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, cfg.Arch, err)
		}
		s := torch.NewNoGradScope()
		var seen []string
		logits, value := p.Forward(s, randObs(s, 3, testIO), func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
			seen = append(seen, layer)
			if act.Shape()[0] != 3 {
				t.Errorf("case %d: layer %s batch dim %v", i, layer, act.Shape())
			}
			if slices.Contains(wantReLU[i], layer) {
				if mn, err := s.Min(act, false).Item(); err != nil || mn < 0 {
					t.Errorf("case %d: ReLU layer %s has minimum %v (%v)", i, layer, mn, err)
				}
			}
			return act
		})
		if err := s.Err(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := logits.Shape(); len(got) != 2 || got[0] != 3 || got[1] != 5 {
			t.Errorf("case %d: logits shape %v, want [3 5]", i, got)
		}
		if got := value.Shape(); len(got) != 1 || got[0] != 3 {
			t.Errorf("case %d: value shape %v, want [3]", i, got)
		}
		if strings.Join(seen, ",") != strings.Join(wantLayers[i], ",") || strings.Join(p.Layers(), ",") != strings.Join(wantLayers[i], ",") {
			t.Errorf("case %d: hooks saw %v, Layers %v, want %v", i, seen, p.Layers(), wantLayers[i])
		}
		if strings.Join(p.ReLULayers(), ",") != strings.Join(wantReLU[i], ",") {
			t.Errorf("case %d: ReLU layers %v, want %v", i, p.ReLULayers(), wantReLU[i])
		}
		names := map[string]bool{}
		for _, n := range p.Params() {
			if names[n.Name] {
				t.Errorf("case %d: duplicate parameter %q", i, n.Name)
			}
			names[n.Name] = true
			if !n.Tensor.RequiresGrad() {
				t.Errorf("case %d: parameter %q does not require grad", i, n.Name)
			}
		}
		for _, want := range []string{"actor.w", "actor.b", "critic.w", "critic.b"} {
			if !names[want] {
				t.Errorf("case %d: no parameter %q", i, want)
			}
		}
		s.Close()
		p.Free()
	}
}

func TestBilinearParamsAreSeparateSquareMatrices(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Arch: "bilinear", Hidden: 12}, testIO, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	found := 0
	for _, n := range p.Params() {
		if n.Name == "bilinear.w" || n.Name == "bilinear.v" {
			found++
			if sh := n.Tensor.Shape(); len(sh) != 2 || sh[0] != 12 || sh[1] != 12 {
				t.Errorf("%s shape %v, want [12 12]", n.Name, sh)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of bilinear.w, bilinear.v", found)
	}
}

// The bilinear block has no nonlinearity: the logits are exactly
// heads(e + (W e) ⊙ (V e)) with e from the "embed" hook, recomputed here in
// float64 from the parameters.
func TestBilinearForwardIsQuadraticInEmbedding(t *testing.T) {
	p, _ := NewPolicy(PolicyConfig{Arch: "bilinear", Hidden: 6}, testIO, 4)
	defer p.Free()
	params := map[string][]float32{}
	for _, n := range p.Params() {
		params[n.Name], _ = n.Tensor.Float32s()
	}
	s := torch.NewNoGradScope()
	defer s.Close()
	var e []float32
	logits, _ := p.Forward(s, randObs(s, 1, testIO), func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
		if layer == "embed" {
			e, _ = act.Float32s()
		}
		return act
	})
	got, err := logits.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	h := 6
	hid := make([]float64, h)
	for k := 0; k < h; k++ {
		var we, ve float64
		for j := 0; j < h; j++ {
			we += float64(params["bilinear.w"][k*h+j]) * float64(e[j])
			ve += float64(params["bilinear.v"][k*h+j]) * float64(e[j])
		}
		hid[k] = float64(e[k]) + we*ve
	}
	for a := 0; a < testIO.NumActions; a++ {
		want := float64(params["actor.b"][a])
		for k := 0; k < h; k++ {
			want += float64(params["actor.w"][a*h+k]) * hid[k]
		}
		if math.Abs(want-float64(got[a])) > 1e-5 {
			t.Errorf("logit %d = %v, recomputed %v", a, got[a], want)
		}
	}
}

func TestHookReplacementChangesOutput(t *testing.T) {
	for i, cfg := range testArchs {
		p, _ := NewPolicy(cfg, testIO, 2)
		s := torch.NewNoGradScope()
		obs := randObs(s, 2, testIO)
		base, _ := p.Forward(s, obs, nil)
		last := p.Layers()[len(p.Layers())-1]
		zero := func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
			if layer == last {
				return s.MulScalar(act, 0)
			}
			return act
		}
		changed, _ := p.Forward(s, obs, zero)
		same, _ := p.Forward(s, obs, func(s *torch.Scope, _ string, act *torch.Tensor) *torch.Tensor { return act })
		if err := s.Err(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		b, _ := base.Float32s()
		c, _ := changed.Float32s()
		m, _ := same.Float32s()
		diff := false
		for k := range b {
			if b[k] != m[k] {
				t.Fatalf("case %d: identity hook changed logit %d", i, k)
			}
			diff = diff || b[k] != c[k]
		}
		if !diff {
			t.Errorf("case %d: zeroing layer %s did not change the logits", i, last)
		}
		// A hook returning nil fails the scope.
		bad, _ := p.Forward(s, obs, func(*torch.Scope, string, *torch.Tensor) *torch.Tensor { return nil })
		if bad != nil || s.Err() == nil || !strings.Contains(s.Err().Error(), "returned nil") {
			t.Errorf("case %d: nil hook: logits %v, err %v", i, bad, s.Err())
		}
		s.Close()
		p.Free()
	}
}

func TestForwardRejectsWrongObservationShape(t *testing.T) {
	for i, cfg := range testArchs {
		p, _ := NewPolicy(cfg, testIO, 1)
		s := torch.NewNoGradScope()
		logits, _ := p.Forward(s, s.Zeros(2, 4, 9, 7), nil)
		if logits != nil || s.Err() == nil || !strings.Contains(s.Err().Error(), "policy expects [N 4 7 9]") {
			t.Errorf("case %d: logits %v, err %v", i, logits, s.Err())
		}
		s.Close()
		p.Free()
	}
}

func TestNewPolicyValidates(t *testing.T) {
	for i, tc := range []struct {
		cfg  PolicyConfig
		io   PolicyIO
		want string
	}{
		{PolicyConfig{Arch: "transformer", Hidden: 8}, testIO, `arch = "transformer"`},
		{PolicyConfig{Arch: "impala", Hidden: 8}, testIO, "widths: empty"},
		{PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, PolicyIO{ObsShape: [3]int{0, 3, 3}, NumActions: 2}, "observation shape"},
		{PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, PolicyIO{ObsShape: [3]int{1, 3, 3}, NumActions: 0}, "actions"},
	} {
		_, err := NewPolicy(tc.cfg, tc.io, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err %v, want mention of %q", i, err, tc.want)
		}
	}
}

func TestPolicyInitDeterministic(t *testing.T) {
	values := func(seed uint64) []float32 {
		p, _ := NewPolicy(testArchs[0], testIO, seed)
		defer p.Free()
		var all []float32
		for _, n := range p.Params() {
			v, _ := n.Tensor.Float32s()
			all = append(all, v...)
		}
		return all
	}
	a, b, c := values(5), values(5), values(6)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Errorf("seed 5 twice equal: %v; seed 5 vs 6 differ: %v", same, differ)
	}
}

func TestOrthogonalInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for i, tc := range []struct{ rows, cols int }{{8, 3}, {3, 8}, {5, 5}} {
		w := orthogonalData(rng, 2, tc.rows, tc.cols)
		// The shorter side's vectors are orthogonal with norm = gain.
		short := min(tc.rows, tc.cols)
		for a := 0; a < short; a++ {
			for b := 0; b < short; b++ {
				var dot float64
				for k := 0; k < max(tc.rows, tc.cols); k++ {
					if tc.rows >= tc.cols {
						dot += float64(w[k*tc.cols+a]) * float64(w[k*tc.cols+b])
					} else {
						dot += float64(w[a*tc.cols+k]) * float64(w[b*tc.cols+k])
					}
				}
				want := 0.0
				if a == b {
					want = 4
				}
				if math.Abs(dot-want) > 1e-5 {
					t.Errorf("case %d: <%d,%d> = %v, want %v", i, a, b, dot, want)
				}
			}
		}
	}
}

// FirstLayer names, for every architecture, the parameter whose first
// axis is the first hidden space and whose inputs per unit are the C
// observation channels, channel-major; an unknown architecture has none.
func TestFirstLayer(t *testing.T) {
	plane := int64(testIO.ObsShape[1] * testIO.ObsShape[2])
	for _, c := range []struct {
		cfg       PolicyConfig
		name      string
		perUnitCh int64 // inputs per unit and channel
	}{{testArchs[0], "stage0.conv.w", 9}, {testArchs[1], "fc0.w", plane}, {testArchs[2], "embed.w", plane}} {
		if got := c.cfg.FirstLayer(); got != c.name {
			t.Errorf("%s: FirstLayer %q, want %q", c.cfg.Arch, got, c.name)
		}
		p, err := NewPolicy(c.cfg, testIO, 1)
		if err != nil {
			t.Fatal(err)
		}
		var shape []int64
		for _, n := range p.Params() {
			if n.Name == c.name {
				shape = n.Tensor.Shape()
			}
		}
		p.Free()
		if shape == nil {
			t.Fatalf("%s: no parameter %q", c.cfg.Arch, c.name)
		}
		per := int64(1)
		for _, d := range shape[1:] {
			per *= d
		}
		if want := int64(testIO.ObsShape[0]) * c.perUnitCh; per != want {
			t.Errorf("%s: %s %v reads %d inputs per unit, want %d", c.cfg.Arch, c.name, shape, per, want)
		}
	}
	if got := (PolicyConfig{Arch: "seek"}).FirstLayer(); got != "" {
		t.Errorf("unknown arch: FirstLayer %q", got)
	}
}
