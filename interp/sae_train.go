package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/misgen/misgen/internal/torch"
)

// Revival selects how training brings dead latents back.
type Revival string

const (
	// NoRevival leaves dead latents dead.
	NoRevival Revival = "none"
	// Resample (Bricken et al.) periodically points each dead latent at an
	// input the SAE reconstructs badly, drawn from a batch with probability
	// ∝ the square of its loss, the loss being the input's squared
	// reconstruction error ‖x − x̂‖²: decoder column = that input's unit
	// direction (after subtracting b_pre), encoder row = the same direction
	// scaled to 0.2× the mean alive encoder-row norm (1× for TopK, where a
	// weaker row would never enter the top k and die again at once),
	// encoder bias 0. The Adam state is reset afterwards (the optimizer is
	// rebuilt) because stale moments would immediately undo the new
	// weights.
	Resample Revival = "resample"
	// AuxK (Gao et al.) adds α·‖e − W_dec z_aux‖²/B to the loss, where e is
	// the detached reconstruction error and z_aux keeps the AuxK largest
	// pre-activations among dead latents only. z_aux is not ReLU'd, so the
	// gradient also reaches latents whose pre-activations are all negative.
	AuxK Revival = "auxk"
)

// TrainOptions control local SAE training.
type TrainOptions struct {
	Steps     int     // optimizer steps
	BatchSize int     // rows per step, drawn uniformly with replacement
	LR        float64 // Adam step size
	Seed      uint64  // batch sampling (and resampling) seed
	// DeadAfter is the number of consecutive training samples without a
	// latent firing after which it counts as dead (default 20 batches).
	DeadAfter int
	Revival   Revival
	// AuxK is the number of dead latents in the auxiliary code (default
	// d_in/2); AuxCoef is α (default 1/32).
	AuxK    int
	AuxCoef float64
	// ResampleEvery is the number of steps between resampling passes
	// (default Steps/5).
	ResampleEvery int
	// ProjectDecoderGrad removes from each decoder column's gradient its
	// component along the column before the step, so the step moves along
	// the unit sphere and the renormalisation after it is small.
	ProjectDecoderGrad bool
	// DenseTopK trains a TopK SAE through the dense code z and the dense
	// decoder matmul, the reference the default sparse path (sae_sparse.go)
	// is tested against; the two give the same gradients.
	DenseTopK bool
}

func (o TrainOptions) withDefaults(dIn int) (TrainOptions, error) {
	if o.Steps < 1 || o.BatchSize < 1 || !(o.LR > 0) {
		return o, fmt.Errorf("sae training: steps=%d batch=%d lr=%v: want positive values", o.Steps, o.BatchSize, o.LR)
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = 20 * o.BatchSize
	}
	if o.Revival == "" {
		o.Revival = NoRevival
	}
	switch o.Revival {
	case NoRevival, Resample, AuxK:
	default:
		return o, fmt.Errorf("sae revival = %q: want %q, %q or %q", o.Revival, NoRevival, Resample, AuxK)
	}
	if o.AuxK <= 0 {
		o.AuxK = max(1, dIn/2)
	}
	if o.AuxCoef == 0 {
		o.AuxCoef = 1.0 / 32
	}
	if o.ResampleEvery <= 0 {
		o.ResampleEvery = max(1, o.Steps/5)
	}
	return o, nil
}

// TrainStats summarises a training run.
type TrainStats struct {
	Steps      int       // optimizer steps taken
	FinalLoss  float64   // total loss of the last step
	LossCurve  []float64 // total loss every Steps/20 steps
	Resampled  int       // latents re-initialised by Resample
	DeadAtEnd  int       // latents dead by the tracker at the end
	Latents    int       // dictionary size
	SamplesFed int       // rows seen
}

// deadTracker counts, per latent, the training samples since it last fired.
type deadTracker struct {
	since []int
	after int
}

func (d *deadTracker) update(fired []float32, batch int) {
	for i, f := range fired {
		if f > 0 {
			d.since[i] = 0
		} else {
			d.since[i] += batch
		}
	}
}

func (d *deadTracker) dead() []int {
	var out []int
	for i, n := range d.since {
		if n >= d.after {
			out = append(out, i)
		}
	}
	return out
}

// Train fits m to the rows of data with Adam and returns its statistics.
// After every step the decoder columns are renormalised to unit norm.
func Train(m *SAE, data Matrix, o TrainOptions) (TrainStats, error) {
	if err := data.check("sae training data"); err != nil {
		return TrainStats{}, err
	}
	if data.Cols != m.Config.DIn || data.Rows == 0 {
		return TrainStats{}, fmt.Errorf("sae training data is %d×%d, sae d_in is %d", data.Rows, data.Cols, m.Config.DIn)
	}
	o, err := o.withDefaults(m.Config.DIn)
	if err != nil {
		return TrainStats{}, err
	}
	ds := torch.NewNoGradScope()
	defer ds.Close()
	all := data.tensor(ds)
	if err := ds.Err(); err != nil {
		return TrainStats{}, err
	}
	t := &trainer{m: m, o: o, all: all, rows: data.Rows,
		rng:   rand.New(rand.NewPCG(o.Seed, 0x7a1)),
		dead:  deadTracker{since: make([]int, m.Config.Latents), after: o.DeadAfter},
		stats: TrainStats{Latents: m.Config.Latents}}
	if err := t.newOptimizer(); err != nil {
		return t.stats, err
	}
	defer func() { t.opt.Free() }()
	every := max(1, o.Steps/20)
	for step := 0; step < o.Steps; step++ {
		loss, err := t.step()
		if err != nil {
			return t.stats, fmt.Errorf("sae step %d: %w", step, err)
		}
		t.stats.FinalLoss = loss
		if step%every == 0 || step == o.Steps-1 {
			t.stats.LossCurve = append(t.stats.LossCurve, loss)
		}
		if o.Revival == Resample && (step+1)%o.ResampleEvery == 0 && step+1 < o.Steps {
			if err := t.resample(); err != nil {
				return t.stats, fmt.Errorf("sae resample at step %d: %w", step, err)
			}
		}
	}
	t.stats.DeadAtEnd = len(t.dead.dead())
	return t.stats, nil
}

type trainer struct {
	m     *SAE
	o     TrainOptions
	all   *torch.Tensor
	rows  int
	rng   *rand.Rand
	opt   *torch.Optimizer
	dead  deadTracker
	stats TrainStats
	idx   []int64
}

func (t *trainer) newOptimizer() error {
	if t.opt != nil {
		t.opt.Free()
	}
	var err error
	t.opt, err = torch.NewAdam(t.m.params(), torch.DefaultAdam(t.o.LR))
	return err
}

func (t *trainer) batchIndex(n int) []int64 {
	if cap(t.idx) < n {
		t.idx = make([]int64, n)
	}
	idx := t.idx[:n]
	for i := range idx {
		idx[i] = int64(t.rng.IntN(t.rows))
	}
	return idx
}

func (t *trainer) step() (float64, error) {
	s := torch.NewScope()
	defer s.Close()
	b := t.o.BatchSize
	x := s.IndexSelect(t.all, 0, s.FromInt64(t.batchIndex(b), int64(b)))
	m := t.m
	loss, fired := t.forward(s, x)
	if err := s.Err(); err != nil {
		return 0, err
	}
	if err := t.opt.ZeroGrad(); err != nil {
		return 0, err
	}
	if err := loss.Backward(); err != nil {
		return 0, err
	}
	if t.o.ProjectDecoderGrad {
		if err := projectDecoderGrad(m); err != nil {
			return 0, err
		}
	}
	if err := t.opt.Step(); err != nil {
		return 0, err
	}
	if err := m.NormalizeDecoder(); err != nil {
		return 0, err
	}
	f, err := fired.Float32s()
	if err != nil {
		return 0, err
	}
	t.dead.update(f, b)
	t.stats.Steps++
	t.stats.SamplesFed += b
	return loss.Item()
}

// lossFrom is Loss given the forward pass's outputs.
func (m *SAE) lossFrom(s *torch.Scope, x, xHat, z *torch.Tensor) *torch.Tensor {
	b := float64(x.Shape()[0])
	recon := s.DivScalar(s.Sum(s.Square(s.Sub(xHat, x)), false), b)
	if m.Config.Kind != ReLUL1 || m.Config.L1 == 0 {
		return recon
	}
	norms := s.Norm(m.WDec, false, 0)
	sp := s.DivScalar(s.Sum(s.Mul(s.Abs(z), norms), false), b)
	return s.Add(recon, s.MulScalar(sp, m.Config.L1))
}

// auxLoss is ‖e − W_dec z_aux‖²/B with e the detached error and z_aux the
// top AuxK pre-activations among the dead latents.
func (t *trainer) auxLoss(s *torch.Scope, x, xHat, pre *torch.Tensor, dead []int) *torch.Tensor {
	vals, idx := t.deadTopK(s, pre, dead)
	zAux := s.Scatter(s.ZerosLike(pre), 1, idx, vals)
	e := s.Detach(s.Sub(x, xHat))
	eHat := s.Linear(zAux, t.m.WDec, nil)
	return s.DivScalar(s.Sum(s.Square(s.Sub(e, eHat)), false), float64(x.Shape()[0]))
}

// projectDecoderGrad removes from each decoder column's gradient its
// component along the (unit) column: g ← g − d (dᵀg).
func projectDecoderGrad(m *SAE) error {
	s := torch.NewNoGradScope()
	defer s.Close()
	g := s.Grad(m.WDec)
	if g == nil {
		return s.Err()
	}
	along := s.Sum(s.Mul(g, m.WDec), true, 0)
	p := s.Sub(g, s.Mul(m.WDec, along))
	if err := s.Err(); err != nil {
		return err
	}
	return g.CopyFrom(p)
}

// resample re-initialises dead latents toward badly reconstructed inputs
// (see Resample).
func (t *trainer) resample() error {
	dead := t.dead.dead()
	if len(dead) == 0 {
		return nil
	}
	s := torch.NewNoGradScope()
	defer s.Close()
	losses, centred, err := t.resampleCandidates(s, len(dead))
	if err != nil {
		return err
	}
	w, err := hostWeights(t.m)
	if err != nil {
		return err
	}
	scale := w.aliveEncoderNorm(dead)
	if t.m.Config.Kind != TopK {
		scale *= 0.2
	}
	cum := cumulative(losses)
	for _, j := range dead {
		v := centred.Row(t.pickByLoss(cum))
		if !w.pointAt(j, v, scale) {
			continue
		}
		t.dead.since[j] = 0
		t.stats.Resampled++
	}
	if err := w.upload(s, t.m); err != nil {
		return err
	}
	return t.newOptimizer()
}

// resampleCandidates draws a batch of training rows and returns each
// row's squared reconstruction error and its offset from b_pre.
func (t *trainer) resampleCandidates(s *torch.Scope, dead int) ([]float32, Matrix, error) {
	nb := min(t.rows, max(4*t.o.BatchSize, 4*dead))
	x := s.IndexSelect(t.all, 0, s.FromInt64(t.batchIndex(nb), int64(nb)))
	xHat, _ := t.m.Reconstruct(s, x)
	errs := s.Sum(s.Square(s.Sub(xHat, x)), false, 1)
	centred := s.Sub(x, t.m.BPre)
	if err := s.Err(); err != nil {
		return nil, Matrix{}, err
	}
	e, err := errs.Float32s()
	if err != nil {
		return nil, Matrix{}, err
	}
	xs, err := MatrixOf(centred)
	return e, xs, err
}

// cumulative returns the running sums of the squared losses.
func cumulative(losses []float32) []float64 {
	cum := make([]float64, len(losses))
	var total float64
	for i, v := range losses {
		total += float64(v) * float64(v)
		cum[i] = total
	}
	return cum
}

// pickByLoss draws an index with probability ∝ its squared loss (uniform
// when every loss is zero).
func (t *trainer) pickByLoss(cum []float64) int {
	pick := t.rng.IntN(len(cum))
	total := cum[len(cum)-1]
	if total <= 0 {
		return pick
	}
	r := t.rng.Float64() * total
	// The first input whose cumulative squared loss exceeds r (the last one
	// if rounding leaves r at the total).
	return min(sort.Search(len(cum), func(i int) bool { return cum[i] > r }), len(cum)-1)
}

// saeWeights are an SAE's encoder, decoder and encoder bias in Go memory,
// for editing latents one by one.
type saeWeights struct {
	enc, dec Matrix // [latents, d], [d, latents]
	bEnc     []float32
}

func hostWeights(m *SAE) (saeWeights, error) {
	var w saeWeights
	var err error
	if w.enc, err = MatrixOf(m.WEnc); err != nil {
		return w, err
	}
	if w.dec, err = MatrixOf(m.WDec); err != nil {
		return w, err
	}
	w.bEnc, err = m.BEnc.Float32s()
	return w, err
}

// aliveEncoderNorm is the mean norm of the encoder rows of latents not in
// dead (1 when every latent is dead).
func (w saeWeights) aliveEncoderNorm(dead []int) float64 {
	isDead := make([]bool, w.enc.Rows)
	for _, j := range dead {
		isDead[j] = true
	}
	var sum float64
	alive := 0
	for j := 0; j < w.enc.Rows; j++ {
		if !isDead[j] {
			sum += norm32(w.enc.Row(j))
			alive++
		}
	}
	if alive == 0 {
		return 1
	}
	return sum / float64(alive)
}

// pointAt sets latent j's decoder column to v's unit direction, its
// encoder row to that direction times scale and its encoder bias to 0. It
// reports false (and changes nothing) when v is zero.
func (w saeWeights) pointAt(j int, v []float32, scale float64) bool {
	nv := norm32(v)
	if nv == 0 {
		return false
	}
	for i := range v {
		u := float64(v[i]) / nv
		w.dec.Data[i*w.dec.Cols+j] = float32(u)
		w.enc.Data[j*w.enc.Cols+i] = float32(u * scale)
	}
	w.bEnc[j] = 0
	return true
}

// upload copies the edited weights back into m's tensors.
func (w saeWeights) upload(s *torch.Scope, m *SAE) error {
	for _, c := range []struct {
		dst  *torch.Tensor
		data []float32
	}{{m.WEnc, w.enc.Data}, {m.WDec, w.dec.Data}, {m.BEnc, w.bEnc}} {
		src := s.FromFloat32(c.data, c.dst.Shape()...)
		if err := s.Err(); err != nil {
			return err
		}
		if err := c.dst.CopyFrom(src); err != nil {
			return err
		}
	}
	return nil
}

func norm32(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
