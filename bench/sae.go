package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// The SAE benchmark trains the same TopK SAE in Go (interp.Train) and in
// Python with Debian's python3-torch: d_in 128, 1024 latents, k 16, batch
// 1024, 8192 rows, Adam, decoder renormalised and firing counts read back
// every step, one thread on each side. Two pairs are timed:
//
//   - dense: interp.Train with DenseTopK (the dense code z and dense decoder
//     matmul) against bench/python/sae_train.py, the same maths in plain
//     PyTorch: sae/train_samples_per_s, sae/train_ratio_vs_python;
//   - sparse: interp.Train's default TopK path (sparse code, hand-written
//     backward in the shim) against bench/python/sae_train_sparse.py, the
//     best-known PyTorch practice (EleutherAI sparsify's embedding_bag
//     decoder and index_add_ encoder backward):
//     sae/train_samples_per_s_sparse, sae/train_ratio_vs_python_sparse.
//
// Each figure is the fastest of saeBenchRepeats timed runs (after a warm-up
// run), on both sides: the figure least disturbed by other load.
const (
	saeBenchDIn     = 128
	saeBenchLatents = 1024
	saeBenchK       = 16
	saeBenchBatch   = 1024
	saeBenchRows    = 8192
	saeBenchSteps   = 40
	saeBenchWarmup  = 3
	saeBenchThreads = 1
	saeBenchRepeats = 3
)

func init() { register("sae", benchSAE) }

func benchSAE(report reportFunc) error {
	torch.SetNumThreads(saeBenchThreads)
	samples := float64(saeBenchSteps * saeBenchBatch)
	for _, v := range []struct {
		dense  bool
		script string
		suffix string
	}{{true, "sae_train.py", ""}, {false, "sae_train_sparse.py", "_sparse"}} {
		goTime, err := goSAETrain(v.dense)
		if err != nil {
			return err
		}
		report("sae/train_samples_per_s"+v.suffix, samples/goTime.Seconds(), "samples/s")
		py, err := runPythonReference(v.script, fmt.Sprint(saeBenchThreads), fmt.Sprint(saeBenchSteps),
			fmt.Sprint(saeBenchWarmup), fmt.Sprint(saeBenchDIn), fmt.Sprint(saeBenchLatents), fmt.Sprint(saeBenchK),
			fmt.Sprint(saeBenchBatch), fmt.Sprint(saeBenchRows), fmt.Sprint(saeBenchRepeats))
		if err != nil {
			return err
		}
		report("sae/train_ratio_vs_python"+v.suffix, py["train_s"]/goTime.Seconds(), "x")
	}
	return nil
}

// goSAETrain returns the fastest of saeBenchRepeats timings of
// saeBenchSteps steps, after a warm-up run.
func goSAETrain(dense bool) (time.Duration, error) {
	rng := rand.New(rand.NewPCG(1, 1))
	data := interp.NewMatrix(saeBenchRows, saeBenchDIn)
	for i := range data.Data {
		data.Data[i] = float32(rng.NormFloat64())
	}
	cfg := interp.SAEConfig{Kind: interp.TopK, DIn: saeBenchDIn, Latents: saeBenchLatents, K: saeBenchK}
	run := func(steps int) (time.Duration, error) {
		m, err := interp.NewSAE(cfg, data.ColMeans(), 1)
		if err != nil {
			return 0, err
		}
		defer m.Free()
		start := time.Now()
		_, err = interp.Train(m, data, interp.TrainOptions{Steps: steps, BatchSize: saeBenchBatch, LR: 1e-3, Seed: 1,
			DenseTopK: dense})
		return time.Since(start), err
	}
	if _, err := run(saeBenchWarmup); err != nil {
		return 0, err
	}
	return minOf(saeBenchRepeats, func() (time.Duration, error) { return run(saeBenchSteps) })
}
