package interp

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// LatentEdit sets one SAE latent to Value in every row: Value 0 ablates
// it, any other value clamps it.
type LatentEdit struct {
	Latent int     `json:"latent"`
	Value  float32 `json:"value"`
}

// EditHook returns a hook that, at site, encodes the rows with m,
// applies the edits to the code, decodes, and adds back m's error term
// x − x̂, so the layer output changes only by W_dec·(z' − z): the edited
// latents' contribution, nothing the SAE fails to reconstruct.
func EditHook(site Site, m *SAE, edits []LatentEdit) Hook {
	n := m.Config.Latents
	keep := make([]float32, n)
	set := make([]float32, n)
	for i := range keep {
		keep[i] = 1
	}
	for _, e := range edits {
		if e.Latent < 0 || e.Latent >= n {
			panic(fmt.Sprintf("interp: EditHook latent %d outside [0, %d)", e.Latent, n))
		}
		keep[e.Latent] = 0
		set[e.Latent] = e.Value
	}
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		z := m.Encode(s, x)
		edited := s.Add(s.Mul(z, s.FromFloat32(keep, 1, int64(n))), s.FromFloat32(set, 1, int64(n)))
		delta := s.Linear(s.Sub(edited, z), m.WDec, nil)
		return s.Add(x, delta)
	})
}

// GoalVector returns the mean activation of rows where present is true
// minus the mean of rows where it is false (e.g. goal visible vs not): the
// direction along which the layer represents the goal's presence.
func GoalVector(acts Matrix, present []bool) ([]float32, error) {
	if len(present) != acts.Rows {
		return nil, fmt.Errorf("goal vector: %d labels for %d rows", len(present), acts.Rows)
	}
	sum := [2][]float64{make([]float64, acts.Cols), make([]float64, acts.Cols)}
	var cnt [2]int
	for i := 0; i < acts.Rows; i++ {
		k := 0
		if present[i] {
			k = 1
		}
		cnt[k]++
		for j, v := range acts.Row(i) {
			sum[k][j] += float64(v)
		}
	}
	if cnt[0] == 0 || cnt[1] == 0 {
		return nil, fmt.Errorf("goal vector: %d rows with the goal, %d without: need both", cnt[1], cnt[0])
	}
	out := make([]float32, acts.Cols)
	for j := range out {
		out[j] = float32(sum[1][j]/float64(cnt[1]) - sum[0][j]/float64(cnt[0]))
	}
	return out, nil
}

// SteerHook returns a hook that adds scale·vec to every row of the site;
// a negative scale subtracts it.
func SteerHook(site Site, vec []float32, scale float64) Hook {
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		if x.Shape()[1] != int64(len(vec)) {
			s.Fail(fmt.Errorf("steer %s: vector has %d values, rows have %d", site, len(vec), x.Shape()[1]))
			return nil
		}
		return s.Add(x, s.MulScalar(s.FromFloat32(vec, 1, int64(len(vec))), scale))
	})
}

// IntervalFunc returns a 95% interval for k events in n trials; the
// experiments package's Wilson is the intended one.
type IntervalFunc func(k, n int) (lo, hi float64)

// Rate is an event count with its interval.
type Rate struct {
	K    int     `json:"k"`
	N    int     `json:"n"`
	Rate float64 `json:"rate"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

func newRate(k, n int, ci IntervalFunc) Rate {
	r := Rate{K: k, N: n}
	if n > 0 {
		r.Rate = float64(k) / float64(n)
	}
	r.Lo, r.Hi = ci(k, n)
	return r
}

// InterventionResult compares rollouts of one variant with and without an
// intervention.
type InterventionResult struct {
	Name    string `json:"name"`
	Variant string `json:"variant"`
	// Failure is the proxy-goal (misgeneralization) rate, Success the
	// true-goal rate; Base without the intervention, Treated with it.
	BaseFailure    Rate         `json:"base_failure"`
	TreatedFailure Rate         `json:"treated_failure"`
	BaseSuccess    Rate         `json:"base_success"`
	TreatedSuccess Rate         `json:"treated_success"`
	Base           EpisodeStats `json:"base"`
	Treated        EpisodeStats `json:"treated"`
	FailureChange  float64      `json:"failure_change"` // treated − base failure rate
	SuccessChange  float64      `json:"success_change"` // treated − base success rate
}

// RunIntervention runs variant's episodes through rollout without and with
// hook and reports failure (proxy) and success rates with intervals ci.
func RunIntervention(name, variant string, rollout RolloutFunc, hook Hook, ci IntervalFunc) (InterventionResult, error) {
	if ci == nil {
		return InterventionResult{}, fmt.Errorf("intervention %q: no interval function", name)
	}
	base, err := rollout(variant, nil)
	if err != nil {
		return InterventionResult{}, fmt.Errorf("intervention %q baseline on %s: %w", name, variant, err)
	}
	treated, err := rollout(variant, hook)
	if err != nil {
		return InterventionResult{}, fmt.Errorf("intervention %q on %s: %w", name, variant, err)
	}
	return interventionFrom(name, variant, base, treated, ci), nil
}

func interventionFrom(name, variant string, base, treated EpisodeStats, ci IntervalFunc) InterventionResult {
	r := InterventionResult{Name: name, Variant: variant, Base: base, Treated: treated,
		BaseFailure: newRate(base.Proxy, base.Episodes, ci), TreatedFailure: newRate(treated.Proxy, treated.Episodes, ci),
		BaseSuccess: newRate(base.Successes, base.Episodes, ci), TreatedSuccess: newRate(treated.Successes, treated.Episodes, ci)}
	r.FailureChange = r.TreatedFailure.Rate - r.BaseFailure.Rate
	r.SuccessChange = r.TreatedSuccess.Rate - r.BaseSuccess.Rate
	return r
}
