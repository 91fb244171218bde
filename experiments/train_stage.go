package experiments

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/misgen/misgen/agents"
)

// TrainStage is the train stage: one PPO run per training seed
// (agents.Train), seeds in parallel up to experiment.parallel, each resuming
// from its own checkpoint when a previous invocation was interrupted.
func TrainStage(ctx context.Context, r *Run) error {
	c := r.Config
	d := c.Derived()
	r.Progress.Printf("train: %d seeds, %d updates each (batch %d = %d envs × %d steps, minibatch %d), %d at once",
		len(r.Seeds()), d.NumUpdates, d.BatchSize, c.PPO.NumEnvs, c.PPO.NumSteps, d.MinibatchSize, r.parallelism())
	return r.ForEachJobParallel(ctx, "train", r.parallelism(), func(ctx context.Context, j Job) error {
		opts := agents.TrainOptions{
			Game:        c.Env.Game,
			GameConfig:  c.Env.Train,
			Obs:         c.Env.Obs,
			Policy:      c.Agent,
			PPO:         c.PPO,
			Seed:        uint64(j.Seed),
			TrainLevels: d.TrainLevels,
			Dir:         r.Checkpoints(j.Seed),
			LogPath:     r.TrainLog(j.Seed),
			Progress:    &lineWriter{p: r.Progress, prefix: fmt.Sprintf("train seed %d: ", j.Seed)},
			Resume:      true,
		}
		res, err := agents.Train(ctx, opts)
		if err != nil {
			return err
		}
		if !res.Done {
			return fmt.Errorf("stopped after %d of %d updates (checkpoint %s kept; re-run to resume)", res.Updates, res.NumUpdates, res.Checkpoint)
		}
		r.Progress.Printf("train seed %d: done, %d env steps in %s, final success rate %.2f", j.Seed, res.GlobalStep,
			res.Elapsed.Round(time.Second), float64(res.Last.SuccessRate))
		return nil
	})
}

// parallelism is how many seed jobs run at once: experiment.parallel, or
// by default autoParallelism of this run's jobs on this machine.
func (r *Run) parallelism() int {
	if p := r.Config.Experiment.Parallel; p > 0 {
		return p
	}
	return autoParallelism(len(r.Jobs), runtime.NumCPU(), r.Config.PPO.Threads)
}

// autoParallelism is the default number of concurrent jobs: one per CPU
// slot (cpus / threads), except that up to twice as many jobs as slots all
// run at once. Jobs are CPU-bound and alike, so with 3 seeds on 2 slots
// running all 3 takes about 1.5 job-times where rounds of 2 take 2 (the
// second round would leave a core idle).
func autoParallelism(jobs, cpus, threads int) int {
	slots := max(1, cpus/max(1, threads))
	if jobs > slots && jobs <= 2*slots {
		return jobs
	}
	return slots
}

// lineWriter forwards complete lines written to it as progress lines with a
// prefix, so concurrent seeds' progress stays readable.
type lineWriter struct {
	mu     sync.Mutex
	p      *Progress
	prefix string
	buf    []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		if line := bytes.TrimRight(w.buf[:i], "\r"); len(line) > 0 {
			w.p.Printf("%s%s", w.prefix, line)
		}
		w.buf = w.buf[i+1:]
	}
	return len(b), nil
}
