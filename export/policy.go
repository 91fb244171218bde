package export

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/internal/torch"
)

// Policy files are safetensors with one F32 tensor per parameter, named as
// misgen names them (Policy.Params), in the policy's parameter order:
//
//	impala    stage<i>.conv.w [out, in, 3, 3], stage<i>.conv.b,
//	          stage<i>.res<r>.conv0.w/.b, stage<i>.res<r>.conv1.w/.b,
//	          fc.w [hidden, C·H·W of the last stage], fc.b
//	mlp       fc<i>.w [hidden, in], fc<i>.b
//	bilinear  embed.w [hidden, obs], embed.b, bilinear.w, bilinear.v [hidden, hidden]
//	all       actor.w [actions, hidden], actor.b, critic.w [1, hidden], critic.b
//
// Linear weights are [out, in] (y = x wᵀ + b), convolution weights
// [out, in, kh, kw], as in torch.nn. The header metadata is PolicyMeta's
// keys, every value a string (JSON for lists and objects).
//
// PolicyMeta documents the metadata keys of a policy file.
type PolicyMeta struct {
	Format        string // "misgen.policy"
	FormatVersion string // "1"
	Arch          string // "impala", "mlp" or "bilinear"
	Config        string // JSON {"arch", "widths", "res_blocks", "hidden", "layers"}
	Forward       string // the forward pass in words
	Game          string
	ObsShape      string // JSON [C, H, W]; inputs are float32 NCHW
	Obs           string // JSON {"kind", "view", "rgb_size"}
	NumActions    string
	ActionNames   string // JSON list, index = action
	ChannelNames  string // JSON list, index = observation channel (empty for rgb)
	Layers        string // JSON list of hook points in forward order
	ParamNames    string // JSON list of tensor names in parameter order
	Seed          string // training seed
	Update        string // completed PPO updates
	GlobalStep    string // env steps trained
	ConfigHash    string // hash of the training config
}

// forwardDocs describe each architecture's forward pass (agents/policy_*.go).
var forwardDocs = map[string]string{
	"impala": "x = obs [N,C,H,W]; per stage i: x = conv(x, stage<i>.conv, pad 1); x = max_pool(x, 3, stride 2, pad 1); " +
		"per block r: x = x + conv1(relu(conv0(relu(x)))) (pad 1); hook stage<i> = x. " +
		"h = relu(fc(flatten(relu(x)))) (flatten in C,H,W order); hook fc = h; logits = actor(h); value = critic(h)[:, 0]",
	"mlp": "x = flatten(obs) (C,H,W order); per layer i: x = relu(fc<i>(x)); hook fc<i> = x; logits = actor(x); value = critic(x)[:, 0]",
	"bilinear": "e = embed(flatten(obs)) (C,H,W order); hook embed = e; q = (e bilinear.wᵀ) * (e bilinear.vᵀ) (no bias); " +
		"hook bilinear = q; h = e + q; logits = actor(h); value = critic(h)[:, 0]",
}

// policyConfigJSON is the documented form of agents.PolicyConfig.
type policyConfigJSON struct {
	Arch      string `json:"arch"`
	Widths    []int  `json:"widths"`
	ResBlocks int    `json:"res_blocks"`
	Hidden    int    `json:"hidden"`
	Layers    int    `json:"layers"`
}

// obsJSON is the documented form of envs.ObsConfig.
type obsJSON struct {
	Kind    string `json:"kind"`
	View    int    `json:"view"`
	RGBSize int    `json:"rgb_size"`
}

// exportPolicy writes one seed's policy file and, when o.NewEnv is set,
// its check batch.
func exportPolicy(o Options, src PolicySource) (PolicyEntry, error) {
	p, ckpt, err := agents.LoadPolicy(src.Checkpoint)
	if err != nil {
		return PolicyEntry{}, fmt.Errorf("export: seed %d: %w", src.Seed, err)
	}
	defer p.Free()
	io := p.IO()
	if io.ObsShape != o.Spec.ObsShape || io.NumActions != o.Spec.NumActions {
		return PolicyEntry{}, fmt.Errorf("export: seed %d: checkpoint %s is for observations %v and %d actions, the run's game %s has %v and %d",
			src.Seed, src.Checkpoint, io.ObsShape, io.NumActions, o.Spec.Game, o.Spec.ObsShape, o.Spec.NumActions)
	}
	tensors, names, err := hostParams(p.Params())
	if err != nil {
		return PolicyEntry{}, fmt.Errorf("export: seed %d: %w", src.Seed, err)
	}
	meta := policyMeta(o, p, ckpt, names).strings()
	e := PolicyEntry{Seed: src.Seed, File: filepath.Join("policies", fmt.Sprintf("seed-%d.safetensors", src.Seed)), Arch: p.Config().Arch}
	if err := safetensors.WriteFile(filepath.Join(o.Out, e.File), tensors, meta); err != nil {
		return PolicyEntry{}, err
	}
	if o.NewEnv == nil {
		return e, nil
	}
	e.Check = filepath.Join("check", fmt.Sprintf("policy.seed-%d.safetensors", src.Seed))
	if err := writePolicyCheck(filepath.Join(o.Out, e.Check), p, o, src.Seed); err != nil {
		return PolicyEntry{}, fmt.Errorf("export: seed %d check batch: %w", src.Seed, err)
	}
	return e, nil
}

// hostParams copies named parameters to safetensors tensors.
func hostParams(params []torch.Named) ([]safetensors.Tensor, []string, error) {
	var ts []safetensors.Tensor
	var names []string
	for _, n := range params {
		v, err := n.Tensor.Float32s()
		if err != nil {
			return nil, nil, fmt.Errorf("parameter %s: %w", n.Name, err)
		}
		ts = append(ts, safetensors.Float32(n.Name, int64s(n.Tensor.Shape()), v))
		names = append(names, n.Name)
	}
	return ts, names, nil
}

func policyMeta(o Options, p agents.Policy, ckpt *agents.Checkpoint, names []string) PolicyMeta {
	cfg, io := p.Config(), p.IO()
	channels := o.Spec.Channels
	if channels == nil {
		channels = []string{}
	}
	return PolicyMeta{
		Format: formatPolicy, FormatVersion: strconv.Itoa(FormatVersion), Arch: cfg.Arch,
		Config:  jsonString(policyConfigJSON{cfg.Arch, append([]int{}, cfg.Widths...), cfg.ResBlocks, cfg.Hidden, cfg.Layers}),
		Forward: forwardDocs[cfg.Arch], Game: io.Game, ObsShape: jsonString(io.ObsShape),
		Obs:        jsonString(obsJSON{string(o.Obs.Kind), o.Obs.View, o.Obs.RGBSize}),
		NumActions: strconv.Itoa(io.NumActions), ActionNames: jsonString(o.Spec.ActionName), ChannelNames: jsonString(channels),
		Layers: jsonString(p.Layers()), ParamNames: jsonString(names),
		Seed: strconv.FormatUint(ckpt.Seed, 10), Update: strconv.Itoa(ckpt.Update), GlobalStep: strconv.FormatInt(ckpt.GlobalStep, 10),
		ConfigHash: ckpt.ConfigHash,
	}
}

// strings returns the metadata map with snake_case keys.
func (m PolicyMeta) strings() map[string]string {
	return map[string]string{
		"format": m.Format, "format_version": m.FormatVersion, "arch": m.Arch, "config": m.Config,
		"forward": m.Forward, "game": m.Game, "obs_shape": m.ObsShape, "obs": m.Obs,
		"num_actions": m.NumActions, "action_names": m.ActionNames, "channel_names": m.ChannelNames,
		"layers": m.Layers, "param_names": m.ParamNames, "seed": m.Seed, "update": m.Update,
		"global_step": m.GlobalStep, "config_hash": m.ConfigHash,
	}
}

func int64s(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

// writePolicyCheck records observations by playing the policy greedily on
// the first interp levels of every variant (checkPerVariant steps each,
// starting the next level when an episode ends) and stores them with the
// policy's logits, values and every hooked layer's output on them.
func writePolicyCheck(path string, p agents.Policy, o Options, seed int) error {
	io := p.IO()
	var obs []float32
	for _, v := range o.Variants {
		rec, err := playGreedy(p, o.NewEnv, v.Name, o.InterpLevels, checkPerVariant)
		if err != nil {
			return err
		}
		obs = append(obs, rec...)
	}
	n := len(obs) / io.ObsSize()
	sh := io.ObsShape
	s := torch.NewNoGradScope()
	defer s.Close()
	x := s.FromFloat32(obs, int64(n), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	var layers []safetensors.Tensor
	hook := func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
		v, err := act.Float32s()
		if err != nil {
			s.Fail(err)
			return act
		}
		layers = append(layers, safetensors.Float32("layer."+layer, int64s(act.Shape()), v))
		return act
	}
	logits, values := p.Forward(s, x, hook)
	if err := s.Err(); err != nil {
		return err
	}
	lv, err := logits.Float32s()
	if err != nil {
		return err
	}
	vv, err := values.Float32s()
	if err != nil {
		return err
	}
	ts := []safetensors.Tensor{
		safetensors.Float32("obs", []int{n, sh[0], sh[1], sh[2]}, obs),
		safetensors.Float32("logits", []int{n, io.NumActions}, lv),
		safetensors.Float32("values", []int{n}, vv),
	}
	meta := map[string]string{"format": formatCheck, "format_version": strconv.Itoa(FormatVersion),
		"policy": fmt.Sprintf("policies/seed-%d.safetensors", seed),
		"about":  "observations from greedy play on the first interp levels of each variant; logits, values and layer.<hook> outputs computed by misgen"}
	return safetensors.WriteFile(path, append(ts, layers...), meta)
}

// playGreedy plays p's argmax action on variant's levels from levels.Start
// and returns the first n observations it saw.
func playGreedy(p agents.Policy, newEnv func(string) (envs.Env, error), variant string, levels envs.LevelSeeds, n int) ([]float32, error) {
	env, err := newEnv(variant)
	if err != nil {
		return nil, fmt.Errorf("variant %s: %w", variant, err)
	}
	io := p.IO()
	one := make([]float32, io.ObsSize())
	var out []float32
	level := levels.Start
	env.Reset(level)
	for len(out) < n*len(one) {
		env.Observe(one)
		out = append(out, one...)
		a, err := greedyAction(p, one)
		if err != nil {
			return nil, err
		}
		_, done, err := env.Step(a)
		if err != nil {
			return nil, err
		}
		if done {
			level++
			env.Reset(level)
		}
	}
	return out, nil
}

func greedyAction(p agents.Policy, obs []float32) (int, error) {
	sh := p.IO().ObsShape
	s := torch.NewNoGradScope()
	defer s.Close()
	logits, _ := p.Forward(s, s.FromFloat32(obs, 1, int64(sh[0]), int64(sh[1]), int64(sh[2])), nil)
	if err := s.Err(); err != nil {
		return 0, err
	}
	v, err := logits.Float32s()
	if err != nil {
		return 0, err
	}
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best, nil
}
