package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/misgen/misgen/internal/torch"
)

// Python reference interpreter: Debian's python3-torch links the same
// libtorch 1.13.1 as the binding, so the ratios isolate binding overhead.
const debianPython = "/usr/bin/python3"

const (
	torchBenchOps      = 100_000
	torchBenchCNNSteps = 20
	torchBenchCNNBatch = 256
	torchBenchThreads  = 1
	// Each side reports the minimum over this many repeats: the figure least
	// disturbed by other load on a shared 2-core machine.
	torchBenchRepeats = 3
)

func init() { register("torch", benchTorch) }

func benchTorch(report reportFunc) error {
	torch.SetNumThreads(torchBenchThreads)
	goOps, err := minOf(torchBenchRepeats, func() (time.Duration, error) { return goOpOverhead(torchBenchOps) })
	if err != nil {
		return err
	}
	goCNN, err := minOf(torchBenchRepeats, func() (time.Duration, error) {
		return goCNNTrain(torchBenchCNNSteps, torchBenchCNNBatch)
	})
	if err != nil {
		return err
	}
	report("torch/op_overhead_ns", goOps.Seconds()/torchBenchOps*1e9, "ns/op")
	report("torch/cnn_train_samples_per_s", float64(torchBenchCNNSteps*torchBenchCNNBatch)/goCNN.Seconds(), "samples/s")

	py, err := runPythonReference("torch_ops.py", fmt.Sprint(torchBenchThreads), fmt.Sprint(torchBenchOps), fmt.Sprint(torchBenchCNNSteps), fmt.Sprint(torchBenchRepeats))
	if err != nil {
		return err
	}
	report("torch/op_overhead_ratio_vs_python", py["op_overhead_s"]/goOps.Seconds(), "x")
	report("torch/cnn_train_samples_per_s_ratio_vs_python", py["cnn_train_s"]/goCNN.Seconds(), "x")
	return nil
}

// goOpOverhead times n adds of two 4-element tensors without autograd, the
// same loop as bench/python/torch_ops.py.
func goOpOverhead(n int) (time.Duration, error) {
	s := torch.NewNoGradScope()
	defer s.Close()
	a, b := s.Ones(4), s.Ones(4)
	for i := 0; i < 1000; i++ {
		s.Add(a, b).Free()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		s.Add(a, b).Free()
	}
	d := time.Since(start)
	return d, s.Err()
}

// smallCNN is 3x32x32 -> conv16 -> pool -> conv32 -> pool -> fc256 -> 15,
// the network of bench/python/torch_ops.py.
type smallCNN struct {
	params []*torch.Tensor // conv1 w,b, conv2 w,b, fc w,b, out w,b
}

func newSmallCNN(s *torch.Scope) *smallCNN {
	shapes := [][]int64{{16, 3, 3, 3}, {16}, {32, 16, 3, 3}, {32}, {256, 32 * 8 * 8}, {256}, {15, 256}, {15}}
	n := &smallCNN{}
	for _, sh := range shapes {
		p := s.MulScalar(s.Randn(sh...), 0.05)
		if p != nil {
			_ = p.SetRequiresGrad(true)
		}
		n.params = append(n.params, p)
	}
	return n
}

func (n *smallCNN) forward(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
	p := n.params
	x = s.MaxPool2d(s.Relu(s.Conv2d(x, p[0], p[1], 1, 1)), 2, 2, 0)
	x = s.MaxPool2d(s.Relu(s.Conv2d(x, p[2], p[3], 1, 1)), 2, 2, 0)
	x = s.Relu(s.Linear(s.Flatten(x), p[4], p[5]))
	return s.Linear(x, p[6], p[7])
}

func goCNNTrain(steps, batch int) (time.Duration, error) {
	torch.ManualSeed(0)
	ps := torch.NewScope()
	defer ps.Close()
	net := newSmallCNN(ps)
	x := ps.Randn(int64(batch), 3, 32, 32)
	y := ps.Reshape(ps.ToInt64(ps.MulScalar(ps.Rand(int64(batch)), 15)), int64(batch), 1)
	if err := ps.Err(); err != nil {
		return 0, err
	}
	opt, err := torch.NewAdam(net.params, torch.AdamOptions{LR: 5e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5})
	if err != nil {
		return 0, err
	}
	defer opt.Free()
	step := func() error {
		s := torch.NewScope()
		defer s.Close()
		logits := net.forward(s, x)
		loss := s.Neg(s.Mean(s.Gather(s.LogSoftmax(logits, 1), 1, y), false))
		if err := s.Err(); err != nil {
			return err
		}
		if err := opt.ZeroGrad(); err != nil {
			return err
		}
		if err := loss.Backward(); err != nil {
			return err
		}
		return opt.Step()
	}
	for i := 0; i < 3; i++ {
		if err := step(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for i := 0; i < steps; i++ {
		if err := step(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// minOf returns the shortest of n timings of f.
func minOf(n int, f func() (time.Duration, error)) (time.Duration, error) {
	var best time.Duration
	for i := 0; i < n; i++ {
		d, err := f()
		if err != nil {
			return 0, err
		}
		if i == 0 || d < best {
			best = d
		}
	}
	return best, nil
}

// runPythonReference runs bench/python/<script> with Debian's python3 and
// decodes the JSON object of seconds it prints. The scripts set torch's
// thread count; OPENBLAS_NUM_THREADS gives OpenBLAS (which torch's
// set_num_threads leaves alone) the same count, as torch.SetNumThreads does
// on the Go side, unless the caller's environment sets it.
func runPythonReference(script string, args ...string) (map[string]float64, error) {
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "python", script)
	if _, err := os.Stat(debianPython); err != nil {
		return nil, fmt.Errorf("python reference needs %s with Debian's python3-torch: %v", debianPython, err)
	}
	cmd := exec.Command(debianPython, append([]string{path}, args...)...)
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	if _, set := os.LookupEnv("OPENBLAS_NUM_THREADS"); !set {
		cmd.Env = append(cmd.Env, fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", torch.NumThreads()))
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", script, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("%s printed %q: %v", script, out, err)
	}
	res := map[string]float64{}
	for k, v := range raw {
		if f, ok := v.(float64); ok {
			res[k] = f
		}
	}
	return res, nil
}
