package agents

import (
	"math"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// refLoss computes the PPO loss terms in float64 straight from their
// definitions, for comparison with PPOLoss.
func refLoss(logits [][]float64, values []float64, actions []int, oldLogp, oldV, adv, ret []float64, cfg LossConfig) [6]float64 {
	n := float64(len(actions))
	a := append([]float64(nil), adv...)
	if cfg.NormAdv {
		var mean, sq float64
		for _, x := range a {
			mean += x
		}
		mean /= n
		for _, x := range a {
			sq += (x - mean) * (x - mean)
		}
		std := math.Sqrt(sq / (n - 1))
		for i := range a {
			a[i] = (a[i] - mean) / (std + 1e-8)
		}
	}
	var pg, vl, ent, kl, cf float64
	for i, row := range logits {
		var z float64
		for _, l := range row {
			z += math.Exp(l)
		}
		for _, l := range row {
			p := math.Exp(l) / z
			ent -= p * math.Log(p)
		}
		lr := row[actions[i]] - math.Log(z) - oldLogp[i]
		r := math.Exp(lr)
		clipped := math.Max(1-cfg.ClipCoef, math.Min(1+cfg.ClipCoef, r))
		pg += math.Max(-a[i]*r, -a[i]*clipped)
		kl += (r - 1) - lr
		if math.Abs(r-1) > cfg.ClipCoef {
			cf++
		}
		un := (values[i] - ret[i]) * (values[i] - ret[i])
		if cfg.ClipVLoss {
			cv := oldV[i] + math.Max(-cfg.ClipCoef, math.Min(cfg.ClipCoef, values[i]-oldV[i]))
			vl += math.Max(un, (cv-ret[i])*(cv-ret[i]))
		} else {
			vl += un
		}
	}
	pg, vl, ent, kl, cf = pg/n, 0.5*vl/n, ent/n, kl/n, cf/n
	return [6]float64{pg - cfg.EntCoef*ent + cfg.VFCoef*vl, pg, vl, ent, kl, cf}
}

func TestPPOLossMatchesReference(t *testing.T) {
	logits := [][]float64{{0.1, -0.3, 0.5}, {1.2, 0.0, -1.0}, {0.0, 0.0, 0.0}, {-0.5, 2.0, 0.3}}
	values := []float64{0.4, -0.2, 1.5, 0.0}
	actions := []int{2, 0, 1, 1}
	// Old log-probs chosen so ratios fall inside and outside [0.8, 1.2].
	oldLogp := []float64{-0.9, -0.2, -1.5, -0.9}
	oldV := []float64{0.5, 0.3, 1.0, 0.05}
	adv := []float64{1.0, -0.5, 2.0, -1.5}
	ret := []float64{1.0, 0.0, 0.5, -0.3}
	for i, cfg := range []LossConfig{
		{ClipCoef: 0.2, ClipVLoss: true, VFCoef: 0.5, EntCoef: 0.01, NormAdv: true},
		{ClipCoef: 0.1, ClipVLoss: false, VFCoef: 1, EntCoef: 0, NormAdv: false},
		{ClipCoef: 0.3, ClipVLoss: true, VFCoef: 0.25, EntCoef: 0.1, NormAdv: false},
	} {
		s := torch.NewScope()
		f32 := func(xs []float64) *torch.Tensor {
			v := make([]float32, len(xs))
			for i, x := range xs {
				v[i] = float32(x)
			}
			return s.FromFloat32(v, int64(len(v)))
		}
		var flat []float64
		for _, r := range logits {
			flat = append(flat, r...)
		}
		acts := make([]int64, len(actions))
		for i, a := range actions {
			acts[i] = int64(a)
		}
		l := PPOLoss(s, LossInputs{
			Logits: s.Reshape(f32(flat), 4, 3), Values: f32(values), Actions: s.FromInt64(acts, 4),
			OldLogProbs: f32(oldLogp), OldValues: f32(oldV), Advantages: f32(adv), Returns: f32(ret),
		}, cfg)
		if err := s.Err(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want := refLoss(logits, values, actions, oldLogp, oldV, adv, ret, cfg)
		for k, x := range []*torch.Tensor{l.Total, l.Policy, l.Value, l.Entropy, l.ApproxKL, l.ClipFrac} {
			got, err := x.Item()
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, want[k], 1e-5) {
				t.Errorf("case %d term %d: %v, want %v", i, k, got, want[k])
			}
		}
		if i == 0 && (want[5] == 0 || want[5] == 1) {
			t.Errorf("case %d: clip fraction %v does not exercise both sides", i, want[5])
		}
		s.Close()
	}
}

func TestPPOLossGradientOnlyThroughTotal(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	logits := s.Zeros(2, 3)
	_ = logits.SetRequiresGrad(true)
	l := PPOLoss(s, LossInputs{Logits: logits, Values: s.Zeros(2), Actions: s.FromInt64([]int64{0, 1}, 2),
		OldLogProbs: s.FullLike(s.Zeros(2), -1.2), OldValues: s.Zeros(2), Advantages: s.FromFloat32([]float32{1, -1}, 2),
		Returns: s.Ones(2)}, LossConfig{ClipCoef: 0.2, VFCoef: 0.5, EntCoef: 0.01, NormAdv: true})
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if l.ApproxKL.RequiresGrad() || l.ClipFrac.RequiresGrad() {
		t.Error("logging statistics carry gradient")
	}
	if !l.Total.RequiresGrad() {
		t.Error("total loss has no gradient")
	}
}

func TestPPOLossShapeMismatchIsError(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	l := PPOLoss(s, LossInputs{Logits: s.Zeros(2, 3), Values: s.Zeros(2), Actions: s.FromInt64([]int64{0, 1, 2}, 3),
		OldLogProbs: s.Zeros(2), OldValues: s.Zeros(2), Advantages: s.Zeros(2), Returns: s.Zeros(2)}, LossConfig{ClipCoef: 0.2})
	if s.Err() == nil || l.Total != nil {
		t.Errorf("mismatched actions: err %v, total %v", s.Err(), l.Total)
	}
}
