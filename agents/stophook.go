package agents

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// The interrupt hook, for tests only (no experiment sets it): when the
// environment sets StopAfterUpdateEnv to k > 0, Train, once it has run
// update k of a run it started before update k, writes a checkpoint,
// reports StoppedLine on Progress and then trains no further: it waits
// until its context is cancelled and returns ctx.Err(), as any interrupted
// run does. Until then the run directory holds exactly what a kill right
// after that checkpoint would leave, so a test can interrupt training at a
// known update (a SIGKILL, or the SIGTERM of a Slurm requeue) instead of
// racing a signal against the end of training. A run resumed at update k
// or later is not held, so a requeued task that inherits the environment
// finishes. When StopSeedEnv is set too, only the run with that seed is
// held. Malformed values make Train fail.
const (
	StopAfterUpdateEnv = "MISGEN_STOP_AFTER_UPDATE"
	StopSeedEnv        = "MISGEN_STOP_SEED"
)

// StoppedLine is the progress line (after the run's "train <game> seed
// <seed>: " prefix) that reports a run held by the interrupt hook, with
// the update as its verb's operand.
const StoppedLine = "held after update %d by " + StopAfterUpdateEnv + "; waiting to be interrupted"

// holdAt is the update after which the interrupt hook holds the run with
// this seed, or 0 when the hook is unset or names another seed.
func holdAt(seed uint64) (int, error) {
	v := os.Getenv(StopAfterUpdateEnv)
	if v == "" {
		return 0, nil
	}
	k, err := strconv.Atoi(v)
	if err != nil || k <= 0 {
		return 0, fmt.Errorf("agents: %s=%q: want a positive update number", StopAfterUpdateEnv, v)
	}
	if s := os.Getenv(StopSeedEnv); s != "" {
		want, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("agents: %s=%q: want a seed", StopSeedEnv, s)
		}
		if want != seed {
			return 0, nil
		}
	}
	return k, nil
}

// hold, for a run the interrupt hook holds after the update just run,
// reports that on Progress and waits until ctx is cancelled (the caller
// has saved the checkpoint).
func (t *trainer) hold(ctx context.Context) (*TrainResult, error) {
	fmt.Fprintf(t.opt.Progress, "train %s seed %d: "+StoppedLine+"\n", t.io.Game, t.opt.Seed, t.update)
	<-ctx.Done()
	return t.finish(), ctx.Err()
}
