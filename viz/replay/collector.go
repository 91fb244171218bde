package replay

import (
	"sort"

	"github.com/misgen/misgen/envs"
)

// Collector records the first Limit episodes (by episode index) of an
// evaluation that steps many episodes at once and reports their steps
// interleaved, as agents.Evaluate's OnStep does:
//
//	col := replay.NewCollector(meta, cfg.Eval.Replays)
//	opt.OnStep = func(r agents.StepRecord) error {
//		col.Step(r.Episode, r.LevelSeed, r.Step, r.Action, r.Probs, r.Value, r.Reward, r.Info)
//		return nil
//	}
//	... after Evaluate: replay.Write(path, col.Episodes())
type Collector struct {
	meta  Episode
	limit int
	recs  map[int]*Recorder
}

// NewCollector records episodes of the variant described by meta (every
// field but LevelSeed, Steps and Outcome) with index below limit.
func NewCollector(meta Episode, limit int) *Collector {
	return &Collector{meta: meta, limit: limit, recs: map[int]*Recorder{}}
}

// Step records step t of episode (played on levelSeed), or ignores it when
// episode is not among the first Limit.
func (c *Collector) Step(episode int, levelSeed uint64, t, action int, probs []float32, value, reward float32, info envs.Info) {
	if episode < 0 || episode >= c.limit {
		return
	}
	r, ok := c.recs[episode]
	if !ok {
		m := c.meta
		m.LevelSeed = levelSeed
		r = NewRecorder(m)
		c.recs[episode] = r
	}
	r.Step(t, action, probs, value, reward, info)
}

// Features attaches feature activations to the last recorded step of
// episode (ignored beyond Limit).
func (c *Collector) Features(episode int, fs []Feature) {
	if r, ok := c.recs[episode]; ok {
		r.Features(fs)
	}
}

// Episodes returns the recorded episodes in episode-index order.
func (c *Collector) Episodes() []Episode {
	idx := make([]int, 0, len(c.recs))
	for i := range c.recs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]Episode, len(idx))
	for k, i := range idx {
		out[k] = c.recs[i].Episode()
	}
	return out
}
