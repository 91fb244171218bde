package agents

import (
	"fmt"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
)

// Hook observes or replaces a named layer's output during Forward. It is
// called once per named layer (see Policy.Layers) with the layer's output
// act, in the scope of the forward pass; Forward continues with the tensor
// the hook returns. Returning act unchanged observes it (activation
// capture); returning another tensor of the same shape replaces it (SAE
// splicing, interventions). A hook that returns nil fails the scope.
type Hook func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor

// Policy is an actor-critic network over one game's observations.
//
// Forward maps an observation batch obs [N, C, H, W] (float32) to action
// logits [N, NumActions] and values [N]. Every tensor it creates, outputs
// included, belongs to s; on failure it returns nils and s.Err() says why.
// The parameters belong to the policy until Free.
type Policy interface {
	Forward(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor)
	// Params are the trainable tensors with stable names such as
	// "stage0.conv.w" or "bilinear.w", in a fixed order.
	Params() []torch.Named
	// Layers names the hook points in forward order.
	Layers() []string
	// ReLULayers names the hook points whose output is a ReLU's, in
	// forward order: together their on/off patterns are the policy's
	// polytope code (every ReLU of the network, Black et al.).
	ReLULayers() []string
	// Config is the architecture config the policy was built from.
	Config() PolicyConfig
	// IO is the observation shape and action count the policy accepts.
	IO() PolicyIO
	// Free releases the parameters; the policy is unusable afterwards.
	Free()
}

// PolicyIO is the part of an env Spec a policy's shapes depend on. It is
// stored in checkpoints so a policy can be rebuilt without the env.
type PolicyIO struct {
	Game       string `json:"game"`
	ObsShape   [3]int `json:"obs_shape"` // channels, height, width
	NumActions int    `json:"num_actions"`
}

// IOOf returns the policy-relevant part of spec.
func IOOf(spec envs.Spec) PolicyIO {
	return PolicyIO{Game: spec.Game, ObsShape: spec.ObsShape, NumActions: spec.NumActions}
}

// Validate reports impossible shapes.
func (io PolicyIO) Validate() error {
	for i, d := range io.ObsShape {
		if d < 1 || d > 4096 {
			return fmt.Errorf("agents: observation shape %v: dimension %d is %d, want [1, 4096]", io.ObsShape, i, d)
		}
	}
	if io.NumActions < 1 || io.NumActions > 4096 {
		return fmt.Errorf("agents: %d actions: want [1, 4096]", io.NumActions)
	}
	return nil
}

// ObsSize is the number of floats in one observation.
func (io PolicyIO) ObsSize() int { return io.ObsShape[0] * io.ObsShape[1] * io.ObsShape[2] }

// NewPolicy builds the network cfg.Arch describes for observations and
// actions io, with parameters initialised deterministically from seed (see
// initializer: a Go PCG stream, independent of libtorch's generator).
func NewPolicy(cfg PolicyConfig, io PolicyIO, seed uint64) (Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := io.Validate(); err != nil {
		return nil, err
	}
	b := newParamBuilder(seed)
	p := buildArch(b, cfg, io)
	if err := b.err(); err != nil {
		b.free()
		return nil, fmt.Errorf("agents: building %s policy: %w", cfg.Arch, err)
	}
	return p, nil
}

// buildArch builds the network cfg.Arch names with b (cfg valid).
func buildArch(b *paramBuilder, cfg PolicyConfig, io PolicyIO) Policy {
	switch cfg.Arch {
	case "impala":
		return newImpala(b, cfg, io)
	case "mlp":
		return newMLP(b, cfg, io)
	case "bilinear":
		return newBilinear(b, cfg, io)
	}
	panic("agents: unreachable arch " + cfg.Arch) // Validate checked it
}

// FirstLayer names the weight parameter of the architecture c.Arch that
// reads the observation, with the units of the first hidden space on its
// first axis and each unit's inputs channel-major after it:
// "stage0.conv.w" [out, C, 3, 3] for IMPALA, "fc0.w" [hidden, C·H·W] for
// MLP and "embed.w" [hidden, C·H·W] for bilinear policies. It is "" for
// an architecture NewPolicy does not build. Analyses of first-layer weight
// mass read it instead of switching on architecture names.
func (c PolicyConfig) FirstLayer() string {
	switch c.Arch {
	case "impala":
		return "stage0.conv.w"
	case "mlp":
		return "fc0.w"
	case "bilinear":
		return "embed.w"
	}
	return ""
}

// checkObs fails s unless obs is [N, C, H, W] with io's C, H, W.
func checkObs(s *torch.Scope, obs *torch.Tensor, io PolicyIO) bool {
	if s.Err() != nil {
		return false
	}
	if obs == nil {
		s.Fail(fmt.Errorf("agents: Forward: nil observation tensor"))
		return false
	}
	sh := obs.Shape()
	if len(sh) != 4 || sh[1] != int64(io.ObsShape[0]) || sh[2] != int64(io.ObsShape[1]) || sh[3] != int64(io.ObsShape[2]) {
		s.Fail(fmt.Errorf("agents: Forward: observation shape %v, policy expects [N %d %d %d] (%s)",
			sh, io.ObsShape[0], io.ObsShape[1], io.ObsShape[2], io.Game))
		return false
	}
	return true
}

// applyHook runs hook (if any) on a layer output.
func applyHook(s *torch.Scope, hook Hook, layer string, act *torch.Tensor) *torch.Tensor {
	if hook == nil || act == nil || s.Err() != nil {
		return act
	}
	out := hook(s, layer, act)
	if out == nil && s.Err() == nil {
		s.Fail(fmt.Errorf("agents: hook at layer %q returned nil", layer))
	}
	return out
}

// heads are the actor (logits) and critic (value) linear layers shared by
// every architecture.
type heads struct {
	actorW, actorB, criticW, criticB *torch.Tensor
}

// newHeads adds "actor.w/b" (orthogonal, gain 0.01 as in CleanRL, so the
// initial policy is near uniform) and "critic.w/b" (orthogonal, gain 1).
func newHeads(b *paramBuilder, in, actions int) heads {
	return heads{
		actorW:  b.orthogonal("actor.w", 0.01, actions, in),
		actorB:  b.zeros("actor.b", actions),
		criticW: b.orthogonal("critic.w", 1, 1, in),
		criticB: b.zeros("critic.b", 1),
	}
}

func (h heads) forward(s *torch.Scope, x *torch.Tensor) (logits, value *torch.Tensor) {
	logits = s.Linear(x, h.actorW, h.actorB)
	value = s.Reshape(s.Linear(x, h.criticW, h.criticB), -1)
	if s.Err() != nil {
		return nil, nil
	}
	return logits, value
}

// basePolicy holds what every architecture shares.
type basePolicy struct {
	cfg    PolicyConfig
	io     PolicyIO
	params []torch.Named
	owner  *torch.Scope
	layers []string
	relu   []string // the hook points that are ReLU outputs
}

func (p *basePolicy) Params() []torch.Named { return p.params }
func (p *basePolicy) Layers() []string      { return append([]string(nil), p.layers...) }
func (p *basePolicy) ReLULayers() []string  { return append([]string(nil), p.relu...) }
func (p *basePolicy) IO() PolicyIO          { return p.io }
func (p *basePolicy) Config() PolicyConfig {
	c := p.cfg
	c.Widths = append([]int(nil), c.Widths...)
	return c
}
func (p *basePolicy) Free() {
	if p.owner != nil {
		p.owner.Close()
		p.owner = nil
	}
}

// ParamTensors returns the parameter tensors of p in order (for optimizers).
func ParamTensors(p Policy) []*torch.Tensor {
	named := p.Params()
	ts := make([]*torch.Tensor, len(named))
	for i, n := range named {
		ts[i] = n.Tensor
	}
	return ts
}

// NumParams is the number of scalar parameters of p.
func NumParams(p Policy) int64 {
	var n int64
	for _, t := range p.Params() {
		n += t.Tensor.Numel()
	}
	return n
}
