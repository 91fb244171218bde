package experiments

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects a deterministic subset of a run's independent jobs so a
// scheduler can fan them out: shard Index of Count (0-based, like Slurm's
// SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX) takes jobs
// Index, Index+Count, Index+2·Count, ... of the canonical job order. The
// Count shards partition the jobs exactly. The zero Shard means "all jobs".
type Shard struct{ Index, Count int }

// ParseShard parses "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// String formats the shard as "i/n", or "all" for the zero Shard.
func (s Shard) String() string {
	if s.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Select returns this shard's jobs, in their original order.
func (s Shard) Select(jobs []Job) []Job {
	if s.Count <= 1 {
		return append([]Job(nil), jobs...)
	}
	var out []Job
	for k, j := range jobs {
		if k%s.Count == s.Index {
			out = append(out, j)
		}
	}
	return out
}

// Job is one independent unit of work: a training seed of a (sweep point
// of an) experiment, optionally narrowed to one evaluation variant.
//
// `experiments run` shards whole seeds (Variant ""): training dominates the
// cost and every variant's evaluation needs the seed's trained agent, so
// splitting a seed's variants across shards would train it twice.
// `experiments eval` re-evaluates an already trained run and shards
// seed × variant jobs.
type Job struct {
	Point   string // sweep point label, "" without a sweep
	Seed    int
	Variant string // "" = every variant
}

// Key names the job in marker files: "seed-3" or "seed-3.random_coin". The
// point is not part of it because each point has its own run directory.
func (j Job) Key() string {
	if j.Variant == "" {
		return fmt.Sprintf("seed-%d", j.Seed)
	}
	return fmt.Sprintf("seed-%d.%s", j.Seed, j.Variant)
}

func (j Job) String() string {
	s := j.Key()
	if j.Point != "" {
		s = j.Point + "/" + s
	}
	return s
}
