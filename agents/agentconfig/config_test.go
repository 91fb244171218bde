package agentconfig

import (
	"strings"
	"testing"
)

func TestDefaultsValidate(t *testing.T) {
	if err := DefaultPolicyConfig().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	if err := DefaultPPOConfig().Validate(); err != nil {
		t.Errorf("default ppo: %v", err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	for i, tc := range []struct {
		edit func(*PolicyConfig, *PPOConfig)
		want string
	}{
		{func(p *PolicyConfig, _ *PPOConfig) { p.Hidden = 0 }, "hidden = 0"},
		{func(p *PolicyConfig, _ *PPOConfig) { p.Arch = "resnet" }, `arch = "resnet"`},
		{func(_ *PolicyConfig, c *PPOConfig) { c.ClipCoef = 1 }, "clip_coef = 1: want (0, 1)"},
		{func(_ *PolicyConfig, c *PPOConfig) { c.Device = "tpu" }, `device = "tpu"`},
		{func(_ *PolicyConfig, c *PPOConfig) { c.NumEnvs, c.NumSteps, c.NumMinibatches = 4, 3, 5 }, "num_minibatches"},
	} {
		p, c := DefaultPolicyConfig(), DefaultPPOConfig()
		tc.edit(&p, &c)
		err := p.Validate()
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
}

func TestCheckMinibatches(t *testing.T) {
	for _, tc := range []struct {
		batch, n int
		normAdv  bool
		ok       bool
	}{
		{12, 4, true, true},
		{12, 5, true, false},  // remainder dropped
		{12, 12, true, false}, // minibatches of one sample: NaN advantage std
		{12, 12, false, true},
		{12, 0, false, false},
	} {
		if err := CheckMinibatches(tc.batch, tc.n, tc.normAdv); (err == nil) != tc.ok {
			t.Errorf("CheckMinibatches(%d, %d, %v) = %v, want ok %v", tc.batch, tc.n, tc.normAdv, err, tc.ok)
		}
	}
}

func TestLossConfigCopiesTheLossKeys(t *testing.T) {
	c := DefaultPPOConfig()
	c.ClipCoef, c.VFCoef, c.EntCoef, c.ClipVLoss, c.NormAdv = 0.1, 0.7, 0.02, false, true
	if got := c.LossConfig(); got != (LossConfig{ClipCoef: 0.1, VFCoef: 0.7, EntCoef: 0.02, ClipVLoss: false, NormAdv: true}) {
		t.Errorf("LossConfig = %+v", got)
	}
}
