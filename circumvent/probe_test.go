package circumvent

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/agents/probe"
)

// TestProbeAttackRaisesR2: fine-tuning against the probe penalty raises
// the check R² of the goal probe at fc while the KL stays within the
// tolerance.
func TestProbeAttackRaisesR2(t *testing.T) {
	obs, spec := realObs(t, 800, 17)
	roles, io := coinrunRoles(t)
	size := io.ObsSize()
	ps := testParams(t, testArchs[0], spec, 61)
	rng := rand.New(rand.NewPCG(5, 5))
	g := probe.GridOf(io.ObsShape)
	fit, check := g.PlaceGoal(g.Split(obs[:400*size]), roles, rng), g.PlaceGoal(g.Split(obs[400*size:]), roles, rng)
	pen := ProbePenalty(fit, check, "fc", Raise)
	res, err := FineTune(context.Background(), ps, FineTuneOptions{Fit: obs[:400*size], Check: obs[400*size:], Penalty: pen,
		Lambda: 1, Tolerance: 0.01, Steps: 100, Batch: 64, CheckEvery: 20, LR: 3e-3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	before, after := -res.PenaltyBefore, -res.PenaltyAfter
	if !(after > before+0.05) || res.KL > 0.01 || math.IsNaN(after) {
		t.Errorf("probe R² %.3f → %.3f, KL %.4f", before, after, res.KL)
	}
	t.Logf("probe R² at fc %.3f → %.3f, KL %.4f, %d rollbacks", before, after, res.KL, res.Rollbacks)
}
