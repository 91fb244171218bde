package circumvent

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
)

// coinrunRoles resolves the audit's CoinRun channel roles.
func coinrunRoles(t *testing.T) (probe.Channels, agents.PolicyIO) {
	t.Helper()
	env := coinrunEnv(t)
	roles, err := probe.ResolveChannels(env.Spec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return roles, agents.IOOf(env.Spec())
}

// TestStandardAttacks lists the attacks for CoinRun's roles and for a game
// without a proxy channel, and checks that the critic shift leaves the
// logits exactly.
func TestStandardAttacks(t *testing.T) {
	obs, spec := realObs(t, 1200, 15)
	roles, io := coinrunRoles(t)
	size := io.ObsSize()
	ps := testParams(t, testArchs[0], spec, 51)
	// Make the goal visible in enough frames for every penalty.
	rng := rand.New(rand.NewPCG(2, 2))
	plane := io.ObsShape[1] * io.ObsShape[2]
	for i := 0; i < len(obs); i += size {
		obs[i+roles.Goal[0]*plane+rng.IntN(plane)] = 1
		obs[i+roles.Proxy[0]*plane+rng.IntN(plane)] = 1
	}
	setup := AttackSetup{Orig: ps, Fit: obs[:600*size], Check: obs[600*size:], Channels: roles, Layer: "fc",
		Favourable: func(string) (Direction, float64) { return Raise, math.NaN() },
		Current:    map[string]float64{statStartValue: 1},
		Tune:       FineTuneOptions{Tolerance: 0.01, Lambda: 1, Steps: 2}}
	names := func(as []Attack) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	as, skipped, err := StandardAttacks(setup)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rescale-first-layer", "shift-critic", "tune-weight-share", "tune-occlusion-share", "tune-goal-erase-kl", "tune-goal-signal", "tune-probe"}
	if !slices.Equal(names(as), want) || len(skipped) != 0 {
		t.Errorf("attacks %v (skipped %v), want %v", names(as), skipped, want)
	}
	noProxy := setup
	noProxy.Channels.Proxy = nil
	as2, skipped, err := StandardAttacks(noProxy)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"shift-critic", "tune-goal-erase-kl", "tune-goal-signal", "tune-probe"}; !slices.Equal(names(as2), want) || len(skipped) != 2 {
		t.Errorf("without a proxy channel: attacks %v, skipped %v", names(as2), skipped)
	}
	shifted, _, err := as[1].Run(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Compare(build(t, ps), build(t, shifted), setup.Check)
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxLogit != 0 || math.Abs(d.MaxValue-1) > 1e-5 {
		t.Errorf("shift-critic: logits moved %.3g, values %.6f (want 1)", d.MaxLogit, d.MaxValue)
	}
}
