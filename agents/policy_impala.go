package agents

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// impala is the IMPALA-style CNN (Espeholt et al.; CleanRL ppo_procgen):
// per stage a 3×3 conv, a 3×3 max-pool with stride 2 and padding 1, then
// residual blocks x + conv(relu(conv(relu(x)))); after the last stage
// relu → flatten → linear(hidden) → relu → actor and critic heads.
//
// Hook points, in forward order: "stage<i>.res<r>.relu0" and ".relu1"
// (the two ReLUs of each residual block), "stage<i>" (each stage's output,
// a residual sum), "trunk.relu" (the last stage's output after its ReLU)
// and "fc" (the hidden vector after its ReLU, which the heads read). All
// but the "stage<i>" points are ReLU outputs.
type impala struct {
	basePolicy
	stages []impalaStage
	fcW    *torch.Tensor
	fcB    *torch.Tensor
	heads  heads
}

type impalaStage struct {
	name         string // hook point of the stage's output
	convW, convB *torch.Tensor
	res          [][4]*torch.Tensor // per block: conv0 w, b, conv1 w, b
	reluHooks    [][2]string        // per block: hook points of its two ReLUs
}

// pooledSide is the side after a 3×3, stride-2, padding-1 max-pool.
func pooledSide(n int) int { return (n-1)/2 + 1 }

func newImpala(b *paramBuilder, cfg PolicyConfig, io PolicyIO) *impala {
	p := &impala{}
	in, h, w := io.ObsShape[0], io.ObsShape[1], io.ObsShape[2]
	var layers, relu []string
	for i, out := range cfg.Widths {
		name := fmt.Sprintf("stage%d", i)
		st := impalaStage{
			name:  name,
			convW: b.uniformFanIn(name+".conv.w", in*9, int64(out), int64(in), 3, 3),
			convB: b.zeros(name+".conv.b", out),
		}
		for r := 0; r < cfg.ResBlocks; r++ {
			rn := fmt.Sprintf("%s.res%d", name, r)
			st.reluHooks = append(st.reluHooks, [2]string{rn + ".relu0", rn + ".relu1"})
			layers = append(layers, rn+".relu0", rn+".relu1")
			relu = append(relu, rn+".relu0", rn+".relu1")
			st.res = append(st.res, [4]*torch.Tensor{
				b.uniformFanIn(rn+".conv0.w", out*9, int64(out), int64(out), 3, 3),
				b.zeros(rn+".conv0.b", out),
				b.uniformFanIn(rn+".conv1.w", out*9, int64(out), int64(out), 3, 3),
				b.zeros(rn+".conv1.b", out),
			})
		}
		p.stages = append(p.stages, st)
		layers = append(layers, name)
		in, h, w = out, pooledSide(h), pooledSide(w)
	}
	flat := in * h * w
	p.fcW = b.orthogonal("fc.w", sqrt2, cfg.Hidden, flat)
	p.fcB = b.zeros("fc.b", cfg.Hidden)
	p.heads = newHeads(b, cfg.Hidden, io.NumActions)
	layers = append(layers, "trunk.relu", "fc")
	relu = append(relu, "trunk.relu", "fc")
	p.basePolicy = b.base(cfg, io, layers, relu)
	return p
}

func (p *impala) Forward(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor) {
	if !checkObs(s, obs, p.io) {
		return nil, nil
	}
	// NHWC storage lets oneDNN convolve without reordering (same values).
	x := s.ChannelsLast(obs)
	for _, st := range p.stages {
		x = s.Conv2d(x, st.convW, st.convB, 1, 1)
		x = s.MaxPool2d(x, 3, 2, 1)
		for r, res := range st.res {
			y := applyHook(s, hook, st.reluHooks[r][0], s.Relu(x))
			y = s.Conv2d(y, res[0], res[1], 1, 1)
			y = applyHook(s, hook, st.reluHooks[r][1], s.Relu(y))
			y = s.Conv2d(y, res[2], res[3], 1, 1)
			x = s.Add(x, y)
		}
		x = applyHook(s, hook, st.name, x)
	}
	x = applyHook(s, hook, "trunk.relu", s.Relu(x))
	x = s.Relu(s.Linear(s.Flatten(x), p.fcW, p.fcB))
	x = applyHook(s, hook, "fc", x)
	return p.heads.forward(s, x)
}
