package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestHoldAtParsesTheHook(t *testing.T) {
	for _, tc := range []struct {
		update, seed string
		want         int
		err          string
	}{
		{"", "", 0, ""},
		{"3", "", 3, ""},
		{"3", "7", 3, ""},
		{"3", "8", 0, ""},
		{"0", "", 0, StopAfterUpdateEnv},
		{"-1", "", 0, StopAfterUpdateEnv},
		{"x", "", 0, StopAfterUpdateEnv},
		{"3", "x", 0, StopSeedEnv},
	} {
		t.Setenv(StopAfterUpdateEnv, tc.update)
		t.Setenv(StopSeedEnv, tc.seed)
		got, err := holdAt(7)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s=%q %s=%q: %d, %v; want %d and an error naming %q", StopAfterUpdateEnv, tc.update, StopSeedEnv, tc.seed,
				got, err, tc.want, tc.err)
		}
	}
}

// Under the interrupt hook a run holds after update k with a checkpoint of
// update k until it is cancelled; resumed under the same hook, it is not
// held again and finishes.
func TestInterruptHookHoldsAfterUpdate(t *testing.T) {
	o := tinyOptions(t)
	t.Setenv(StopAfterUpdateEnv, "2")
	ctx, cancel := context.WithCancel(context.Background())
	var updates []string
	held := fmt.Sprintf(StoppedLine, 2)
	o.Progress = writerFunc(func(p []byte) {
		switch s := string(p); {
		case strings.HasPrefix(s, "update "):
			updates = append(updates, s)
		case strings.Contains(s, held):
			cancel() // the test's interruption: once held, never before
		}
	})
	res, err := Train(ctx, o)
	if !errors.Is(err, context.Canceled) || res.Updates != 2 || res.Done || len(updates) != 2 {
		t.Fatalf("held run: %v, result %+v, %d updates logged; want context.Canceled after 2", err, res, len(updates))
	}
	c, err := ReadCheckpoint(CheckpointPath(o.Dir))
	if err != nil || c.Update != 2 {
		t.Fatalf("checkpoint of the held run: %v, update %d; want update 2", err, c.Update)
	}
	o.Resume, o.Progress = true, nil
	res, err = Train(context.Background(), o)
	if err != nil || !res.Done || !res.Resumed {
		t.Fatalf("resumed under the hook: %v, result %+v; want a finished run", err, res)
	}
}
