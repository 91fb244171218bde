package circumvent

import (
	"fmt"
)

// Role is what a parameter does with a Space's units along one axis.
type Role int

const (
	// Producer writes the units: scaling unit u by s multiplies its slice
	// by s.
	Producer Role = iota
	// Consumer reads the units: scaling unit u by s divides its slice by s.
	Consumer
	// Carrier is indexed by the units but neither writes nor reads their
	// scale (the bilinear block's second factor, bilinear.v rows): it is
	// permuted with them and never scaled.
	Carrier
)

// Slot is one parameter axis indexed by a Space's units. Along Axis,
// index i belongs to unit i / Block (Block > 1 where a flatten lays each
// channel's positions side by side, as fc.w's columns after the last
// IMPALA stage).
type Slot struct {
	Param string
	Axis  int
	Block int
	Role  Role
}

// Space is one hidden basis of a policy: Size units that some parameters
// write and others read with the same index. Permuting a space's units in
// every slot, or scaling them by factors its nonlinearity commutes with
// (Signed: any nonzero factor; otherwise positive factors only), leaves the
// policy's function unchanged (see the package doc for why each space is
// exact and why rotations are not).
type Space struct {
	Name   string
	Size   int
	Signed bool
	Slots  []Slot
}

// Spaces lists the hidden spaces of the architecture ps holds, in forward
// order. The first is the space the first layer writes (FirstSpace).
func Spaces(ps *Params) ([]Space, error) {
	switch ps.Config.Arch {
	case "impala":
		return impalaSpaces(ps)
	case "mlp":
		return mlpSpaces(ps), nil
	case "bilinear":
		return bilinearSpaces(ps), nil
	}
	return nil, fmt.Errorf("circumvent: no reparametrisation rule for arch %q", ps.Config.Arch)
}

// headSlots are the actor and critic heads reading a space.
func headSlots() []Slot {
	return []Slot{{Param: "actor.w", Axis: 1, Block: 1, Role: Consumer}, {Param: "critic.w", Axis: 1, Block: 1, Role: Consumer}}
}

// produced is a linear or conv layer writing a space: its weight rows and
// bias.
func produced(layer string) []Slot {
	return []Slot{{Param: layer + ".w", Axis: 0, Block: 1, Role: Producer}, {Param: layer + ".b", Axis: 0, Block: 1, Role: Producer}}
}

// impalaSpaces: each stage's residual stream (written by the stage conv,
// through the max-pool, and by every residual block's second conv; read by
// every block's first conv through a ReLU and by the next stage's conv or,
// after the trunk ReLU and the flatten, by fc), each residual block's
// middle (first conv → ReLU → second conv), and the fc layer (→ ReLU →
// heads).
func impalaSpaces(ps *Params) ([]Space, error) {
	cfg := ps.Config
	var out []Space
	for i, w := range cfg.Widths {
		stage := fmt.Sprintf("stage%d", i)
		stream := Space{Name: stage, Size: w, Slots: produced(stage + ".conv")}
		var mids []Space
		for r := 0; r < cfg.ResBlocks; r++ {
			res := fmt.Sprintf("%s.res%d", stage, r)
			stream.Slots = append(stream.Slots, produced(res+".conv1")...)
			stream.Slots = append(stream.Slots, Slot{Param: res + ".conv0.w", Axis: 1, Block: 1, Role: Consumer})
			mids = append(mids, Space{Name: res, Size: w,
				Slots: append(produced(res+".conv0"), Slot{Param: res + ".conv1.w", Axis: 1, Block: 1, Role: Consumer})})
		}
		if i+1 < len(cfg.Widths) {
			stream.Slots = append(stream.Slots, Slot{Param: fmt.Sprintf("stage%d.conv.w", i+1), Axis: 1, Block: 1, Role: Consumer})
		} else {
			fc := ps.Tensor("fc.w")
			if fc == nil || len(fc.Shape) != 2 || fc.Shape[1]%int64(w) != 0 {
				return nil, fmt.Errorf("circumvent: impala fc.w does not read %d channels", w)
			}
			stream.Slots = append(stream.Slots, Slot{Param: "fc.w", Axis: 1, Block: int(fc.Shape[1]) / w, Role: Consumer})
		}
		out = append(out, stream)
		out = append(out, mids...)
	}
	out = append(out, Space{Name: "fc", Size: cfg.Hidden, Slots: append(produced("fc"), headSlots()...)})
	return out, nil
}

// mlpSpaces: each hidden layer (linear → ReLU → next linear or heads).
func mlpSpaces(ps *Params) []Space {
	var out []Space
	for i := 0; i < ps.Config.Layers; i++ {
		name := fmt.Sprintf("fc%d", i)
		sp := Space{Name: name, Size: ps.Config.Hidden, Slots: produced(name)}
		if i+1 < ps.Config.Layers {
			sp.Slots = append(sp.Slots, Slot{Param: fmt.Sprintf("fc%d.w", i+1), Axis: 1, Block: 1, Role: Consumer})
		} else {
			sp.Slots = append(sp.Slots, headSlots()...)
		}
		out = append(out, sp)
	}
	return out
}

// bilinearSpaces: the one hidden basis shared, through the residual sum
// h = e + (W e) ⊙ (V e), by the embedding e, both factors' outputs, the
// product and h. With D = diag(s): e' = D e (embed rows ×s), W' = D W D⁻¹,
// V' = V D⁻¹, so W'e' = D W e, V'e' = V e, the product and h are scaled by
// D, and the heads' columns ÷s undo it. Signs are free (no ReLU).
func bilinearSpaces(ps *Params) []Space {
	return []Space{{Name: "hidden", Size: ps.Config.Hidden, Signed: true, Slots: []Slot{
		{Param: "embed.w", Axis: 0, Block: 1, Role: Producer},
		{Param: "embed.b", Axis: 0, Block: 1, Role: Producer},
		{Param: "bilinear.w", Axis: 0, Block: 1, Role: Producer},
		{Param: "bilinear.w", Axis: 1, Block: 1, Role: Consumer},
		{Param: "bilinear.v", Axis: 0, Block: 1, Role: Carrier},
		{Param: "bilinear.v", Axis: 1, Block: 1, Role: Consumer},
		{Param: "actor.w", Axis: 1, Block: 1, Role: Consumer},
		{Param: "critic.w", Axis: 1, Block: 1, Role: Consumer},
	}}}
}

// FirstSpace is the space the policy's first layer (the parameter
// agents.PolicyConfig.FirstLayer names) writes: stage0, fc0 or hidden, the
// first of Spaces, whose scaling changes first-layer weight mass.
func FirstSpace(ps *Params) (Space, error) {
	all, err := Spaces(ps)
	if err != nil {
		return Space{}, err
	}
	return all[0], nil
}

// SpaceByName returns the space called name of ps.
func SpaceByName(ps *Params, name string) (Space, error) {
	all, err := Spaces(ps)
	if err != nil {
		return Space{}, err
	}
	for _, sp := range all {
		if sp.Name == name {
			return sp, nil
		}
	}
	return Space{}, fmt.Errorf("circumvent: %s policy has no hidden space %q", ps.Config.Arch, name)
}
