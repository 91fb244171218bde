package experiments

import (
	"context"
	"strings"
	"testing"
)

// Shards share the interp directory: only the shard that trains the run's
// first seed analyses it (as an unsharded run does); the others skip.
func TestInterpStageRunsInTheShardOfTheFirstSeed(t *testing.T) {
	c, err := loadText(t, baseTOML+"[interp]\nenabled = true\nlayers = [\"hidden\"]\n", "full") // seeds [0 4 9]
	if err != nil {
		t.Fatal(err)
	}
	for i, wantRun := range []bool{true, false, false} {
		runs, err := Plan(c, PlanOptions{Out: t.TempDir(), Shard: Shard{i, 3}})
		if err != nil || len(runs) != 1 {
			t.Fatalf("plan: %v", err)
		}
		var log strings.Builder
		runs[0].Progress = NewProgress(&log, "t")
		err = InterpStage(context.Background(), runs[0])
		// Nothing was trained, so analysing fails on the missing checkpoint.
		if ran := err != nil; ran != wantRun {
			t.Errorf("shard %d/3 (seeds %v): interp error %v, want it to run: %v", i, runs[0].Seeds(), err, wantRun)
		}
		if !wantRun && !strings.Contains(log.String(), "seed 0 is analysed by the shard that trains it") {
			t.Errorf("shard %d/3 progress: %s", i, log.String())
		}
		if wantRun && !strings.Contains(err.Error(), "seed 0") {
			t.Errorf("shard %d/3 analysed another seed: %v", i, err)
		}
	}
}
