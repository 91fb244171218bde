// Package saeconfig holds the [interp.sae] table of an experiment: which
// sparse autoencoders the interpretability stage trains. It imports no
// tensor library, so configs decode without libtorch; package interp trains
// from these types.
package saeconfig

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/internal/keyerr"
)

// Kind selects an SAE's activation and sparsity mechanism.
type Kind string

const (
	// ReLUL1 is Cunningham et al.'s SAE: z = ReLU(W_enc(x − b_pre) + b_enc)
	// with an L1 penalty on z.
	ReLUL1 Kind = "relu_l1"
	// TopK keeps the K largest pre-activations of each input (then ReLU),
	// zeroing the rest: sparsity is set by K, not by a penalty.
	TopK Kind = "topk"
)

// SAESettings is the [interp.sae] table of an experiment: the sweep of
// sparse autoencoders trained at every analysed site. Each dictionary size
// is trained at each target L0, locally (reconstruction) and, with
// EndToEnd, end to end (KL through the policy); MDL chooses among them.
type SAESettings struct {
	// Kind is "topk" (L0 = k exactly) or "relu_l1" (the L1 coefficient is
	// tuned per SAE so that the held-out L0 lands near each target).
	Kind Kind `toml:"kind"`
	// Sizes are the dictionary sizes (latents).
	Sizes []int `toml:"sizes"`
	// L0 are the target numbers of active latents per input, e.g.
	// [2, 4, 8, 16]; a target above a dictionary size is skipped for it.
	L0 []int `toml:"l0"`
	// L1 is the first L1 coefficient tried when tuning a "relu_l1" SAE.
	L1 float64 `toml:"l1"`
	// Steps is the number of optimiser steps per SAE.
	Steps int `toml:"steps"`
	// BatchSize is the number of activation rows (observations, for end
	// to end) per step.
	BatchSize int `toml:"batch_size"`
	// LearningRate is the Adam step size.
	LearningRate float64 `toml:"learning_rate"`
	// EndToEnd also trains end-to-end SAEs (Braun et al.).
	EndToEnd bool `toml:"end_to_end"`
}

// DefaultSAESettings is a TopK sweep of two sizes and four sparsities.
func DefaultSAESettings() SAESettings {
	return SAESettings{Kind: TopK, Sizes: []int{64, 256}, L0: []int{2, 4, 8, 16}, L1: 1e-3,
		Steps: 1500, BatchSize: 512, LearningRate: 1e-3, EndToEnd: true}
}

// Validate reports the first invalid key, relative to the [interp.sae]
// table, as a *keyerr.Error.
func (s SAESettings) Validate() error {
	switch s.Kind {
	case TopK, ReLUL1:
	default:
		return keyerr.New("kind", string(s.Kind), fmt.Sprintf("%q or %q", TopK, ReLUL1))
	}
	if len(s.Sizes) == 0 {
		return keyerr.Errorf("sizes", "empty: want at least one dictionary size")
	}
	for i, n := range s.Sizes {
		if n < 1 || n > 1<<20 {
			return keyerr.New(fmt.Sprintf("sizes[%d]", i), n, "[1, 1048576]")
		}
	}
	if len(s.L0) == 0 {
		return keyerr.Errorf("l0", "empty: want at least one target L0, e.g. [2, 4, 8, 16]")
	}
	for i, k := range s.L0 {
		if k < 1 || k > maxInts(s.Sizes) {
			return keyerr.New(fmt.Sprintf("l0[%d]", i), k, fmt.Sprintf("[1, largest of sizes = %d]", maxInts(s.Sizes)))
		}
	}
	switch {
	case !(s.L1 > 0) || math.IsInf(s.L1, 0):
		return keyerr.New("l1", s.L1, "> 0 (the first coefficient tried when tuning relu_l1)")
	case s.Steps < 1:
		return keyerr.New("steps", s.Steps, ">= 1")
	case s.BatchSize < 1:
		return keyerr.New("batch_size", s.BatchSize, ">= 1")
	case !(s.LearningRate > 0 && s.LearningRate < 1):
		return keyerr.New("learning_rate", s.LearningRate, "(0, 1)")
	}
	return nil
}

func maxInts(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
