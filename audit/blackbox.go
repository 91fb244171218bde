package audit

import "math"

// blackBoxStatistics read only ID rollouts: outcomes, returns, lengths,
// values and action distributions of the audit episodes (every audit
// level, selection and test alike: nothing is chosen from them).
func blackBoxStatistics() []Statistic {
	bb := func(name, doc string, f func(d *Data) float64) Statistic {
		return Statistic{Name: name, Level: LevelBlackBox, Touches: []Access{IDRollouts}, Scale: Linear, Doc: doc,
			Compute: func(a *Measurement) (float64, error) {
				v := f(a.Data)
				if math.IsNaN(v) {
					return 0, undefined("no episode it applies to")
				}
				return v, nil
			}}
	}
	return []Statistic{
		bb("bb_success", "Share of audit episodes ending in the game's success outcome (the true goal).", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return b2f(e.Outcome == d.Spec.Success), true })
		}),
		bb("bb_proxy", "Share of audit episodes ending in the game's proxy outcome (possible on training levels whose goal is moved, e.g. CoinRun with random_coin_prob > 0).", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return b2f(e.Outcome == d.Spec.Proxy), true })
		}),
		bb("bb_return", "Mean undiscounted return of the audit episodes.", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return e.Return, true })
		}),
		bb("bb_length", "Mean length (steps) of the audit episodes.", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return float64(e.Length), true })
		}),
		bb("bb_start_value", "Mean critic value of the first observation of each audit episode.", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return e.StartValue, true })
		}),
		bb("bb_entropy", "Mean entropy (nats) of the action distribution over every step of the audit episodes (per-episode means, averaged).", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return e.Entropy, true })
		}),
		bb("bb_steps_to_goal", "Mean length of the audit episodes that reached the true goal.", func(d *Data) float64 {
			return episodeMean(d, func(e Episode) (float64, bool) { return float64(e.Length), e.Outcome == d.Spec.Success })
		}),
	}
}

// episodeMean averages f over the episodes it applies to (NaN for none).
func episodeMean(d *Data, f func(Episode) (float64, bool)) float64 {
	var sum float64
	n := 0
	for _, e := range d.Episodes {
		if v, ok := f(e); ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
