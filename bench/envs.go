package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/all"
)

// The envs group measures, for every registered game with its default
// (training) config and each observation kind, environment steps per second
// of a 64-env VecEnv stepped on one goroutine with uniformly random actions
// and auto-reset (the figure Procgen's 26.6k steps/s anchor was measured
// with), and heap allocations per env step in symbolic mode.
//
// Figures:
//
//	envs/<game>/symbolic/steps_per_s   13×13 symbolic window
//	envs/<game>/rgb/steps_per_s        64×64 RGB
//	envs/<game>/symbolic/allocs_per_step
func init() {
	register("envs", func(report reportFunc) error {
		const numEnvs = 64
		for _, name := range envs.Names() {
			g, err := envs.Lookup(name)
			if err != nil {
				return err
			}
			for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 13, RGBSize: 64}} {
				v, err := newBenchVec(g, obs, numEnvs)
				if err != nil {
					return fmt.Errorf("%s %s: %w", name, obs.Kind, err)
				}
				run := benchStepper(v)
				if err := run(500); err != nil { // warm up: caches, first resets
					return err
				}
				steps, start := 0, time.Now()
				for time.Since(start) < 2*time.Second {
					if err := run(50); err != nil {
						return err
					}
					steps += 50
				}
				elapsed := time.Since(start).Seconds()
				report(fmt.Sprintf("envs/%s/%s/steps_per_s", name, obs.Kind), float64(steps*numEnvs)/elapsed, "steps/s")

				if obs.Kind == envs.ObsSymbolic {
					const allocSteps = 2000
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					if err := run(allocSteps); err != nil {
						return err
					}
					runtime.ReadMemStats(&after)
					report(fmt.Sprintf("envs/%s/symbolic/allocs_per_step", name),
						float64(after.Mallocs-before.Mallocs)/float64(allocSteps*numEnvs), "allocs/step")
				}
				v.Close()
			}
		}
		return nil
	})
}

func newBenchVec(g envs.Game, obs envs.ObsConfig, n int) (*envs.VecEnv, error) {
	es, err := envs.MakeEnvs(g, g.NewConfig(), obs, n)
	if err != nil {
		return nil, err
	}
	return envs.NewVecEnv(es, envs.TrainSeeds(100_000), 1, 1)
}

// benchStepper returns a function that steps v k times with uniformly random
// actions, without allocating.
func benchStepper(v *envs.VecEnv) func(k int) error {
	rng := envs.NewRNG(12345)
	acts := make([]int, v.Num())
	numActions := v.Spec().NumActions
	return func(k int) error {
		for ; k > 0; k-- {
			for i := range acts {
				acts[i] = rng.Intn(numActions)
			}
			if err := v.Step(acts); err != nil {
				return err
			}
		}
		return nil
	}
}
