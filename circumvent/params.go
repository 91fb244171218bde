package circumvent

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

// Params is a host copy of a policy's parameters with the architecture
// they belong to: what the reparametrisations edit. Tensors are in
// Policy.Params order.
type Params struct {
	Config  agents.PolicyConfig
	IO      agents.PolicyIO
	Tensors []torch.HostTensor
}

// Snapshot copies p's parameters to the host.
func Snapshot(p agents.Policy) (*Params, error) {
	ps := &Params{Config: p.Config(), IO: p.IO()}
	for _, n := range p.Params() {
		v, err := n.Tensor.Float32s()
		if err != nil {
			return nil, fmt.Errorf("circumvent: parameter %q: %w", n.Name, err)
		}
		ps.Tensors = append(ps.Tensors, torch.HostTensor{Name: n.Name, Shape: n.Tensor.Shape(), Data: v})
	}
	return ps, nil
}

// Clone returns a deep copy of ps.
func (ps *Params) Clone() *Params {
	c := &Params{Config: ps.Config, IO: ps.IO}
	c.Config.Widths = slices.Clone(ps.Config.Widths)
	for _, t := range ps.Tensors {
		c.Tensors = append(c.Tensors, torch.HostTensor{Name: t.Name, Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)})
	}
	return c
}

// Build returns a new policy of ps's architecture holding ps's values. The
// caller must Free it.
func (ps *Params) Build() (agents.Policy, error) {
	p, err := agents.NewPolicy(ps.Config, ps.IO, 0)
	if err != nil {
		return nil, err
	}
	if err := ps.LoadInto(p); err != nil {
		p.Free()
		return nil, err
	}
	return p, nil
}

// LoadInto copies ps's values into p, which must have the same parameter
// names and shapes.
func (ps *Params) LoadInto(p agents.Policy) error {
	var buf bytes.Buffer
	if err := torch.WriteHost(&buf, ps.Tensors); err != nil {
		return err
	}
	if err := torch.LoadNamed(&buf, p.Params()); err != nil {
		return fmt.Errorf("circumvent: loading parameters: %w", err)
	}
	return nil
}

// Tensor returns the parameter called name (nil when there is none).
func (ps *Params) Tensor(name string) *torch.HostTensor {
	for i := range ps.Tensors {
		if ps.Tensors[i].Name == name {
			return &ps.Tensors[i]
		}
	}
	return nil
}
