package experiments

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/circumvent"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/schema"
)

// CircumventOptions configure the circumvention stress test of one agent
// of a run (`experiments circumvent`).
type CircumventOptions struct {
	// Seed is the training seed of the attacked agent.
	Seed int
	// Population is the population audit (audit.json) that calibrates the
	// predictions; "" uses the run's own audit/audit.json when it exists
	// and makes none otherwise.
	Population string
	// Levels is how many training levels the agent plays for the ID
	// observations the attacks fine-tune on (default 64): the first half
	// give the fit frames, the second half the check frames.
	Levels int
	// Tune holds the fine-tunes' settings (Lambda, Tolerance, Steps,
	// Batch, CheckEvery, LR); its defaults are FineTuneOptions'.
	Tune circumvent.FineTuneOptions
}

// Circumvent runs the stress test on one agent of r and writes
// circumvention.{md,json} to the run's audit directory. It runs libtorch on
// one thread on one OS thread, so a re-run gives the same tables (the
// fine-tunes and the audit's SAEs are otherwise not reproducible).
func Circumvent(ctx context.Context, r *Run, o CircumventOptions) (*circumvent.Report, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer torch.SetNumThreads(torch.NumThreads())
	torch.SetNumThreads(1)
	start := time.Now()
	if o.Levels <= 0 {
		o.Levels = 64
	}
	subj, err := r.AuditSubject(o.Seed)
	if err != nil {
		return nil, err
	}
	policy, ckpt, err := agents.LoadPolicy(subj.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("loading seed %d's policy (did the train stage finish?): %w", o.Seed, err)
	}
	defer policy.Free()
	orig, err := circumvent.Snapshot(policy)
	if err != nil {
		return nil, err
	}
	fit, check, err := r.trainLevelFrames(ctx, policy, ckpt, o.Seed, o.Levels)
	if err != nil {
		return nil, err
	}
	pop, popPath, err := r.circumventPopulation(o.Population)
	if err != nil {
		return nil, err
	}
	r.Progress.Printf("circumvent: seed %d: %d fit and %d check ID frames from %d training levels; population %q", o.Seed,
		len(fit)/orig.IO.ObsSize(), len(check)/orig.IO.ObsSize(), o.Levels, popPath)
	auditor, err := circumvent.NewPopulationAuditor(ctx, policy, subj.Env, auditOptions(r.Config, o.Seed), pop, subj.ID)
	if err != nil {
		return nil, err
	}
	attacks, err := r.circumventAttacks(ctx, policy, auditor, orig, fit, check, o)
	if err != nil {
		return nil, err
	}
	variant, err := r.Config.AuditVariant()
	if err != nil {
		return nil, err
	}
	res, err := circumvent.Stress(ctx, circumvent.StressOptions{
		Agent: subj.ID, Orig: orig, Check: check, Controls: circumvent.Controls(), Attacks: attacks, Auditor: auditor,
		Seed: uint64(o.Seed),
		Behaviour: func(ctx context.Context, p agents.Policy) (circumvent.Behaviour, error) {
			return r.behaviour(ctx, p, o.Seed, variant)
		},
		Save: func(name string, p agents.Policy) (string, error) {
			path := filepath.Join(r.CircumventDir(o.Seed), name+".ckpt")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return "", err
			}
			if err := agents.WritePolicyCheckpoint(path, p, ckpt); err != nil {
				return "", err
			}
			return filepath.Rel(r.AuditDir(), path)
		},
		Log: r.Progress.Printf,
	})
	if err != nil {
		return nil, err
	}
	rep := circumvent.NewReport(circumvent.Setting{
		Run: r.Label(), Seed: o.Seed, OODVariant: variant, Tolerance: o.Tune.Tolerance, Levels: o.Levels,
		FitFrames: len(fit) / orig.IO.ObsSize(), CheckFrames: len(check) / orig.IO.ObsSize(),
		EvalEpisodes: r.Config.Eval.Episodes, Population: popPath, Seconds: time.Since(start).Seconds(),
	}, res)
	return rep, circumvent.WriteReport(r.AuditDir(), rep)
}

// trainLevelFrames plays policy once on each of n of its training levels
// (training variant, the eval stage's action rules) and returns every
// observation, the first half of the levels' as fit frames and the rest as
// check frames.
func (r *Run) trainLevelFrames(ctx context.Context, policy agents.Policy, ckpt *agents.Checkpoint, seed, n int) (fit, check []float32, err error) {
	train := ckpt.TrainLevels
	if train.Count == 0 {
		train = r.Config.Derived().TrainLevels
	}
	levels := envs.LevelSeeds{Start: train.Start, Count: min(uint64(n), train.Count), Order: envs.SeedsSequential}
	half := levels.Start + levels.Count/2
	c := r.Config
	_, err = agents.Evaluate(ctx, agents.EvalOptions{
		Policy: policy, Game: c.Env.Game, GameConfig: c.Env.Train, Obs: c.Env.Obs, Levels: levels,
		TrainLevels: train, OnTrainLevels: true, NumEnvs: c.Eval.NumEnvs, Greedy: c.Eval.Greedy, Seed: uint64(seed),
		OnStep: func(s agents.StepRecord) error {
			if s.LevelSeed < half {
				fit = append(fit, s.Obs...)
			} else {
				check = append(check, s.Obs...)
			}
			return nil
		},
	})
	if err == nil && (len(fit) == 0 || len(check) == 0) {
		err = fmt.Errorf("circumvent: %d training levels gave no check frames: use more levels", levels.Count)
	}
	return fit, check, err
}

// circumventPopulation reads the population audit named, or the run's
// own audit.json if none is named and it exists.
func (r *Run) circumventPopulation(path string) (*audit.Result, string, error) {
	if path == "" {
		if _, err := os.Stat(r.AuditJSON()); err != nil {
			return nil, "", nil
		}
		path = r.AuditJSON()
	}
	pop, err := circumvent.ReadPopulation(path)
	return pop, path, err
}

// circumventAttacks builds the standard attacks for the original policy.
func (r *Run) circumventAttacks(ctx context.Context, policy agents.Policy, auditor *circumvent.PopulationAuditor, orig *circumvent.Params,
	fit, check []float32, o CircumventOptions) ([]circumvent.Attack, error) {
	spec, err := r.trainSpec()
	if err != nil {
		return nil, err
	}
	roles, err := probe.ResolveChannels(spec, r.Config.Env.Train)
	if err != nil {
		return nil, err
	}
	current, err := auditor.Measure(ctx, policy, true, uint64(o.Seed))
	if err != nil {
		return nil, err
	}
	tune := o.Tune
	tune.Seed = uint64(o.Seed)
	attacks, skipped, err := circumvent.StandardAttacks(circumvent.AttackSetup{
		Orig: orig, Fit: fit, Check: check, Channels: roles, Layer: circumvent.SAELayer(policy),
		Favourable: auditor.Favourable, Current: current, Tune: tune,
	})
	for _, s := range skipped {
		r.Progress.Printf("circumvent: skipped %s", s)
	}
	return attacks, err
}

// behaviour is p's ID success, OOD proxy and OOD pursuit rates on the
// run's evaluation levels, played as the eval stage plays them.
func (r *Run) behaviour(ctx context.Context, p agents.Policy, seed int, variant string) (circumvent.Behaviour, error) {
	spec, err := r.trainSpec()
	if err != nil {
		return circumvent.Behaviour{}, err
	}
	id, err := r.EvalPolicy(ctx, p, seed, schema.IDVariant, nil)
	if err != nil {
		return circumvent.Behaviour{}, err
	}
	ood, err := r.EvalPolicy(ctx, p, seed, variant, nil)
	if err != nil {
		return circumvent.Behaviour{}, err
	}
	count := func(res []agents.EpisodeResult, hit func(agents.EpisodeResult) bool) audit.Rate {
		k := 0
		for _, e := range res {
			if hit(e) {
				k++
			}
		}
		return wilsonRate(k, len(res))
	}
	return circumvent.Behaviour{
		IDSuccess:  count(id, func(e agents.EpisodeResult) bool { return e.Outcome == spec.Success }),
		OODProxy:   count(ood, func(e agents.EpisodeResult) bool { return e.Outcome == spec.Proxy }),
		OODPursuit: count(ood, func(e agents.EpisodeResult) bool { return e.PursuedGoal }),
	}, nil
}
