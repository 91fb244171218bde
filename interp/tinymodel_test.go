package interp

import (
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// tinyModel is obs [B, in] → "fc" = ReLU(W1 obs + b1) [B, hidden] → logits
// = W2 fc + b2 [B, actions], value = sum of logits: the smallest policy with
// a named layer a hook can observe or replace.
type tinyModel struct {
	scope          *torch.Scope
	w1, b1, w2, b2 *torch.Tensor
	in, hidden     int
	actions        int
}

func newTinyModel(t *testing.T, in, hidden, actions int, seed uint64) *tinyModel {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	r := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		return v
	}
	s := torch.NewNoGradScope()
	m := &tinyModel{scope: s, in: in, hidden: hidden, actions: actions,
		w1: s.FromFloat32(r(hidden*in, 1), int64(hidden), int64(in)),
		b1: s.FromFloat32(r(hidden, 0.5), int64(hidden)),
		w2: s.FromFloat32(r(actions*hidden, 1), int64(actions), int64(hidden)),
		b2: s.FromFloat32(make([]float32, actions), int64(actions)),
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return m
}

func (m *tinyModel) forward(s *torch.Scope, obs *torch.Tensor, hook Hook) (*torch.Tensor, *torch.Tensor) {
	h := s.Relu(s.Linear(obs, m.w1, m.b1))
	if hook != nil {
		h = hook(s, "fc", h)
	}
	logits := s.Linear(h, m.w2, m.b2)
	return logits, s.Sum(logits, false, 1)
}

// randomObs returns n observations of width in, standard normal.
func randomObs(n, in int, seed uint64) Observations {
	rng := rand.New(rand.NewPCG(seed, 10))
	m := NewMatrix(n, in)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return Observations{Matrix: m, Shape: []int64{int64(in)}}
}

// layerActs runs the model on obs and captures the "fc" output.
func layerActs(t *testing.T, model ModelFunc, obs Observations) Matrix {
	t.Helper()
	c := NewCapture("fc")
	s := torch.NewNoGradScope()
	defer s.Close()
	model(s, obs.tensor(s, 0, obs.Rows), c.Hook())
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	return c.Acts("fc")
}

func identity(n int) []float32 {
	v := make([]float32, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	return v
}
