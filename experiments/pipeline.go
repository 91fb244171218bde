package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/internal/atomicfile"
)

// StageFunc runs one stage on a run. It works on r.Jobs only (the shard's
// share), reads what earlier stages wrote through r.Layout, writes its
// outputs atomically and uses r.ForEachJob so finished jobs are skipped on
// resume.
type StageFunc func(ctx context.Context, r *Run) error

// Stage is one named step of the pipeline.
type Stage struct {
	Name string
	Run  StageFunc
	// AllJobs marks a stage that needs every job of the run (the report):
	// a sharded invocation skips it, to be run once all shards finished.
	AllJobs bool
}

// Stages names the function that implements each stage of the pipeline.
// StandardStages has the real ones; tests substitute fakes.
type Stages struct {
	Train, Eval, Interp, Audit, Report StageFunc
}

// StandardStages are misgen's stage implementations. The stages that use
// libtorch run on the config's ppo.device (onDevice).
func StandardStages() Stages {
	return Stages{Train: onDevice(TrainStage), Eval: onDevice(EvalStage), Interp: onDevice(InterpStage), Audit: onDevice(AuditStage), Report: ReportStage}
}

// Pipeline returns the stages of one run: train → eval → interp → audit →
// report. The report needs every job of the run, so a sharded invocation
// skips it. The population stage (PopulationStage) follows them once over
// every run of a population (ExecutePopulation).
func (s Stages) Pipeline() []Stage {
	return []Stage{
		{Name: "train", Run: s.Train},
		{Name: "eval", Run: s.Eval},
		{Name: "interp", Run: s.Interp},
		{Name: "audit", Run: s.auditStage()},
		{Name: "report", Run: s.Report, AllJobs: true},
	}
}

// auditStage is s.Audit, or a no-op for a stage set without one (tests'
// fakes written before the audit existed).
func (s Stages) auditStage() StageFunc {
	if s.Audit != nil {
		return s.Audit
	}
	return func(context.Context, *Run) error { return nil }
}

// Run is one run directory being executed: a resolved config (one sweep
// point), its layout, and the jobs of this shard.
type Run struct {
	Config *Config
	Layout
	Hash  string // Config.Hash()
	ID    string // Config.RunID()
	Shard Shard
	// Jobs are this shard's jobs of this run, in canonical order.
	Jobs []Job
	// Force re-runs stages and jobs even when their markers exist.
	Force bool
	// Progress receives human-readable progress; nil discards it.
	Progress *Progress
	// Manifest is loaded or created by Execute.
	Manifest *Manifest
	// Args are the command-line arguments, recorded in the manifest.
	Args []string
	// DeferReport makes the report stage write the tables but not
	// report.html, which the population stage writes once, with the
	// population's verdict (set by PopulationOf).
	DeferReport bool

	now func() time.Time
	// tablesFresh: this process wrote the tables after the run's last
	// evaluation, so the report stage need not rebuild them.
	tablesFresh bool
}

// PlanOptions choose where and what a plan runs.
type PlanOptions struct {
	Out        string // results root, e.g. "results"
	Shard      Shard
	PerVariant bool // jobs are seed × variant (eval) instead of seeds (run)
}

// Plan expands c (its sweep, if any) into runs, lists the independent
// jobs in canonical order (sweep point, seed, variant) and keeps this
// shard's share. Runs left without jobs are dropped.
func Plan(c *Config, opts PlanOptions) ([]*Run, error) {
	subs, err := c.Expand()
	if err != nil {
		return nil, err
	}
	var all []Job
	for _, sc := range subs {
		for _, s := range sc.Experiment.Seeds {
			if !opts.PerVariant {
				all = append(all, Job{Point: sc.Experiment.Point, Seed: s})
				continue
			}
			for _, v := range sc.Variants() {
				all = append(all, Job{Point: sc.Experiment.Point, Seed: s, Variant: v})
			}
		}
	}
	mine := opts.Shard.Select(all)
	var runs []*Run
	for _, sc := range subs {
		r, err := NewRun(sc, opts.Out)
		if err != nil {
			return nil, err
		}
		r.Shard = opts.Shard
		r.Jobs = nil
		for _, j := range mine {
			if j.Point == sc.Experiment.Point {
				r.Jobs = append(r.Jobs, j)
			}
		}
		if len(r.Jobs) > 0 {
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// NewRun prepares the run of one resolved (sweep-free) config under the
// results root out, with every seed as a job.
func NewRun(c *Config, out string) (*Run, error) {
	if c.Sweep.Key != "" {
		return nil, fmt.Errorf("experiments: NewRun of a config with a sweep: Expand it first")
	}
	hash, err := c.Hash()
	if err != nil {
		return nil, err
	}
	id, err := c.RunID()
	if err != nil {
		return nil, err
	}
	dir, err := RunDir(out, c)
	if err != nil {
		return nil, err
	}
	r := &Run{Config: c, Layout: Layout{Dir: dir}, Hash: hash, ID: id, now: time.Now}
	for _, s := range c.Experiment.Seeds {
		r.Jobs = append(r.Jobs, Job{Point: c.Experiment.Point, Seed: s})
	}
	return r, nil
}

// OpenRun opens an existing run directory from its resolved.toml, with
// every seed as a job.
func OpenRun(dir string) (*Run, error) {
	c, err := config.LoadResolved(Layout{Dir: dir}.ResolvedConfig())
	if err != nil {
		return nil, err
	}
	r, err := NewRun(c, "")
	if err != nil {
		return nil, err
	}
	r.Layout = Layout{Dir: dir}
	return r, nil
}

// Seeds lists the distinct training seeds of r.Jobs in order.
func (r *Run) Seeds() []int {
	var out []int
	seen := map[int]bool{}
	for _, j := range r.Jobs {
		if !seen[j.Seed] {
			seen[j.Seed] = true
			out = append(out, j.Seed)
		}
	}
	return out
}

// marker is the done-marker file of a stage or of one job of a stage.
func (r *Run) marker(stage string, job *Job) string {
	if job != nil {
		return filepath.Join(r.Markers(), stage+".jobs", job.Key())
	}
	name := stage
	if r.Shard.Count > 1 {
		name = fmt.Sprintf("%s.shard-%d-of-%d", stage, r.Shard.Index, r.Shard.Count)
	}
	return filepath.Join(r.Markers(), name)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (r *Run) markDone(path string) error {
	return atomicfile.WriteFile(path, []byte(r.clock().UTC().Format(time.RFC3339Nano)+"\n"), 0o644)
}

func (r *Run) clock() time.Time {
	if r.now == nil {
		return time.Now()
	}
	return r.now()
}

// JobDone reports whether job of stage has completed in an earlier
// execution.
func (r *Run) JobDone(stage string, job Job) bool { return exists(r.marker(stage, &job)) }

// ForEachJob calls fn for each of r.Jobs in order, skipping jobs whose
// done-marker for stage exists (unless r.Force) and writing the marker
// after fn succeeds. It stops at the first error or when ctx is done.
func (r *Run) ForEachJob(ctx context.Context, stage string, fn func(ctx context.Context, job Job) error) error {
	return r.ForEachJobParallel(ctx, stage, 1, fn)
}

// ForEachJobParallel is ForEachJob running up to parallel jobs at once (the
// jobs are independent: one training seed each). The first error cancels
// the jobs still running and is returned; jobs that finished keep their
// markers, so a re-run resumes with the rest.
func (r *Run) ForEachJobParallel(ctx context.Context, stage string, parallel int, fn func(ctx context.Context, job Job) error) error {
	if parallel < 1 {
		parallel = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, parallel)
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	for _, j := range r.Jobs {
		m := r.marker(stage, &j)
		if !r.Force && exists(m) {
			r.Progress.Printf("%s %s: done earlier, skipped", stage, j.Key())
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			defer func() { <-slots }()
			if err := fn(ctx, j); err != nil {
				fail(fmt.Errorf("%s %s: %w", stage, j, err))
				return
			}
			if err := r.markDone(m); err != nil {
				fail(err)
			}
		}(j)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// Execute runs stages in order on the run directory: it takes the run lock
// of the directory and shard (a *LockedError while another process holds
// it, see AcquireLock), writes resolved.toml (or checks that an existing
// one matches), records the session in the manifest, skips stages whose marker exists (unless
// r.Force), runs the others and marks each done after it succeeds. The
// first failing stage stops the run; its error is returned and recorded.
func (r *Run) Execute(ctx context.Context, stages []Stage) (err error) {
	lock, err := r.lock()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, lock.Release()) }()
	if err := r.writeResolved(); err != nil {
		return err
	}
	man, err := r.openManifest()
	if err != nil {
		return err
	}
	r.Manifest = man
	session := len(man.Sessions) - 1
	defer func() {
		end := r.clock().UTC()
		man.Sessions[session].EndedAt = &end
		if err != nil {
			man.Sessions[session].Error = err.Error()
		}
		if werr := writeManifest(r.ManifestPath(r.Shard), man); werr != nil && err == nil {
			err = werr
		}
	}()

	r.Progress.Printf("run dir %s (shard %s, seeds %v)", r.Dir, r.Shard, r.Seeds())
	allDone := true
	for i, st := range stages {
		m := r.marker(st.Name, nil)
		if st.AllJobs && r.Shard.Count > 1 {
			r.Progress.Printf("stage %d/%d %s: needs every shard; run `experiments report %s` when all shards are done", i+1, len(stages), st.Name, r.Dir)
			allDone = false
			continue
		}
		if !r.Force && exists(m) {
			r.Progress.Printf("stage %d/%d %s: done earlier, skipped", i+1, len(stages), st.Name)
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r.Progress.Printf("stage %d/%d %s: started", i+1, len(stages), st.Name)
		start := r.clock().UTC()
		if err := st.Run(ctx, r); err != nil {
			return fmt.Errorf("%s: stage %s: %w", r.Dir, st.Name, err)
		}
		if err := r.markDone(m); err != nil {
			return err
		}
		end := r.clock().UTC()
		man.Stages[st.Name] = StageTimes{StartedAt: start, FinishedAt: end}
		r.Progress.Printf("stage %d/%d %s: done in %s", i+1, len(stages), st.Name, end.Sub(start).Round(time.Millisecond))
		if err := writeManifest(r.ManifestPath(r.Shard), man); err != nil {
			return err
		}
	}
	if allDone {
		end := r.clock().UTC()
		man.FinishedAt = &end
	}
	return nil
}

// lock takes the run lock of r's directory and shard, reporting a stale
// lock it took over.
func (r *Run) lock() (*RunLock, error) {
	lock, takeover, err := AcquireLock(r.LockPath(r.Shard), r.Args)
	if err != nil {
		return nil, err
	}
	if takeover != nil {
		r.Progress.Printf("lock %s: %s", r.LockPath(r.Shard), takeover)
	}
	return lock, nil
}

// writeResolved writes resolved.toml, or checks that the one already in
// the directory describes the same config.
func (r *Run) writeResolved() error {
	text, err := r.Config.ResolvedTOML()
	if err != nil {
		return err
	}
	path := r.ResolvedConfig()
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return atomicfile.WriteFile(path, text, 0o644)
	case err != nil:
		return err
	}
	if !bytes.Equal(stripComments(old), stripComments(text)) {
		return fmt.Errorf("%s holds a different config than this run (edited by hand?); move the directory away or restore it", path)
	}
	return nil
}

// stripComments drops the leading comment block (which names the source
// file) so runs started from a shipped config and from a copy compare equal.
func stripComments(b []byte) []byte {
	for bytes.HasPrefix(b, []byte("#")) {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return bytes.TrimSpace(b)
}

func (r *Run) openManifest() (*Manifest, error) {
	path := r.ManifestPath(r.Shard)
	man, err := readManifest(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	now := r.clock().UTC()
	if man == nil {
		c := r.Config
		man = &Manifest{
			Experiment: c.Experiment.Name, Point: c.Experiment.Point, Profile: c.Experiment.Profile,
			ConfigHash: r.Hash, RunID: r.ID, StartedAt: now, Stages: map[string]StageTimes{},
		}
	}
	if man.Stages == nil {
		man.Stages = map[string]StageTimes{}
	}
	buildIdentity(man)
	man.Seeds = r.Seeds()
	man.Shard = r.Shard.String()
	man.Args = r.Args
	man.Machine = currentMachine()
	man.FinishedAt = nil
	man.Sessions = append(man.Sessions, Session{StartedAt: now, Host: man.Machine.Hostname})
	if err := writeManifest(path, man); err != nil {
		return nil, err
	}
	return man, nil
}
