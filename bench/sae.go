package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// The SAE benchmark trains the same TopK SAE in Go (interp.Train) and in
// bench/python/sae_train.py: d_in 128, 1024 latents, k 16, batch 1024,
// Adam, decoder renormalised and firing counts read back every step.
const (
	saeBenchDIn     = 128
	saeBenchLatents = 1024
	saeBenchK       = 16
	saeBenchBatch   = 1024
	saeBenchRows    = 8192
	saeBenchSteps   = 40
	saeBenchWarmup  = 3
	saeBenchThreads = 1
)

func init() { register("sae", benchSAE) }

func benchSAE(report reportFunc) error {
	torch.SetNumThreads(saeBenchThreads)
	goTime, err := goSAETrain()
	if err != nil {
		return err
	}
	report("sae/train_samples_per_s", float64(saeBenchSteps*saeBenchBatch)/goTime.Seconds(), "samples/s")
	py, err := runPythonReference("sae_train.py", fmt.Sprint(saeBenchThreads), fmt.Sprint(saeBenchSteps),
		fmt.Sprint(saeBenchWarmup), fmt.Sprint(saeBenchDIn), fmt.Sprint(saeBenchLatents), fmt.Sprint(saeBenchK),
		fmt.Sprint(saeBenchBatch), fmt.Sprint(saeBenchRows))
	if err != nil {
		return err
	}
	report("sae/train_ratio_vs_python", py["train_s"]/goTime.Seconds(), "x")
	return nil
}

// goSAETrain times saeBenchSteps steps after a warm-up run.
func goSAETrain() (time.Duration, error) {
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
		_, err = interp.Train(m, data, interp.TrainOptions{Steps: steps, BatchSize: saeBenchBatch, LR: 1e-3, Seed: 1})
		return time.Since(start), err
	}
	if _, err := run(saeBenchWarmup); err != nil {
		return 0, err
	}
	return run(saeBenchSteps)
}
