package probe

import (
	"fmt"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

// FirstLayer returns the host values of policy's first-layer weight (the
// parameter its PolicyConfig.FirstLayer names) as a host tensor. It is an
// error for an architecture without one or a policy without that
// parameter.
func FirstLayer(policy agents.Policy) (torch.HostTensor, error) {
	name := policy.Config().FirstLayer()
	if name == "" {
		return torch.HostTensor{}, fmt.Errorf("probe: no first layer for arch %q", policy.Config().Arch)
	}
	for _, n := range policy.Params() {
		if n.Name == name {
			v, err := n.Tensor.Float32s()
			return torch.HostTensor{Name: name, Shape: n.Tensor.Shape(), Data: v}, err
		}
	}
	return torch.HostTensor{}, fmt.Errorf("probe: %s policy has no parameter %q", policy.Config().Arch, name)
}

// unitInputs checks that first-layer weight w reads channels channels and
// returns its units (first axis) and inputs per unit and channel.
func unitInputs(w torch.HostTensor, channels int) (units, plane int, err error) {
	if len(w.Shape) < 2 || w.Shape[0] < 1 || channels < 1 {
		return 0, 0, fmt.Errorf("probe: %s %v is not a first-layer weight", w.Name, w.Shape)
	}
	units = int(w.Shape[0])
	per := len(w.Data) / units // inputs per unit, channel-major
	if per%channels != 0 || per*units != len(w.Data) {
		return 0, 0, fmt.Errorf("probe: %s %v does not read %d channels", w.Name, w.Shape, channels)
	}
	return units, per / channels, nil
}

// UnitChannelMass returns, for each unit of first-layer weight w (units on
// the first axis, each unit's inputs channel-major after it, as
// agents.PolicyConfig.FirstLayer describes) and each of the channels input
// channels, the sum of squared weights by which the unit reads the
// channel: mass[u][c].
func UnitChannelMass(w torch.HostTensor, channels int) ([][]float64, error) {
	units, plane, err := unitInputs(w, channels)
	if err != nil {
		return nil, err
	}
	per := plane * channels
	mass := make([][]float64, units)
	for u := range mass {
		mass[u] = make([]float64, channels)
		for i, x := range w.Data[u*per : (u+1)*per] {
			mass[u][i/plane] += float64(x) * float64(x)
		}
	}
	return mass, nil
}

// ChannelMass returns, per input channel, the sum of squared first-layer
// weights that read it, over every unit (UnitChannelMass summed over
// units, accumulated weight by weight in storage order).
func ChannelMass(policy agents.Policy) ([]float64, error) {
	w, err := FirstLayer(policy)
	if err != nil {
		return nil, err
	}
	channels := policy.IO().ObsShape[0]
	if _, _, err := unitInputs(w, channels); err != nil {
		return nil, err
	}
	mass := make([]float64, channels)
	plane := len(w.Data) / int(w.Shape[0]) / channels
	for i, x := range w.Data {
		mass[i/plane%channels] += float64(x) * float64(x)
	}
	return mass, nil
}
