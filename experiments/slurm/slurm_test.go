package slurm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/misgen/misgen/envs/all"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
)

// testConfig is a small maze experiment; extra TOML lines are appended to
// its [experiment] and [ppo] tables.
func testConfig(t *testing.T, experiment, ppo string, sweep bool) *experiments.Config {
	t.Helper()
	src := fmt.Sprintf(`
[experiment]
name = "tiny"
description = "slurm scripts"
%s
[env]
game = "maze"
[env.train]
size = 7
[env.ood.anywhere]
cheese_region = 0
[ppo]
total_steps = 4096
num_envs = 16
num_steps = 64
%s
`, experiment, ppo)
	if sweep {
		src += "[sweep]\nkey = \"env.train.cheese_region\"\nvalues = [1, 2, 3]\n"
	}
	c, err := config.LoadBytes("tiny.toml", []byte(src), "base")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func options(t *testing.T, shards int) Options {
	dir := t.TempDir()
	return Options{
		Exe: "/opt/misgen/bin/experiments", WorkDir: dir, Config: filepath.Join(dir, "tiny.toml"),
		Profile: "base", Out: filepath.Join(dir, "results"), Shards: shards, SignalLead: DefaultSignalLead,
	}
}

func TestShardsAndCPUsPerTask(t *testing.T) {
	// testConfig trains 4096 steps per seed (4 updates of 16 × 64).
	const steps = 4096
	for i, tc := range []struct {
		experiment, ppo string
		sweep           bool
		shards          int
		wantShards      int
		wantCPUs        int
		wantRounds      int64 // TaskSteps in units of one seed's steps
	}{
		// 6 seeds over 3 tasks: 2 seeds each, trained at once, 1 thread each.
		{"seeds = 6", "", false, 3, 3, 2, 1},
		// 7 seeds over 3 tasks: the busiest task has 3.
		{"seeds = 7", "", false, 3, 3, 3, 1},
		// One task per seed by default.
		{"seeds = 4", "", false, 0, 4, 1, 1},
		// Threads and env workers: each seed job needs the larger of the two.
		{"seeds = 4", "threads = 4\nenv_workers = 2", false, 2, 2, 8, 1},
		{"seeds = 4", "threads = 1\nenv_workers = 3", false, 2, 2, 6, 1},
		// experiment.parallel bounds the seeds a task runs at once: 4
		// seeds one at a time take 4 rounds.
		{"seeds = 8\nparallel = 1", "threads = 2", false, 2, 2, 2, 4},
		// 8 seeds, 3 at a time: 3 rounds.
		{"seeds = 8\nparallel = 3", "", false, 1, 1, 3, 3},
		// A sweep: 3 points × 2 seeds = 6 jobs in order (point, seed); 2
		// tasks take alternate jobs, so one seed of each point each, run
		// one point after another.
		{"seeds = 2", "", true, 2, 2, 1, 3},
		// 3 points × 4 seeds over 2 tasks: 2 seeds of each point at once.
		{"seeds = 4", "", true, 2, 2, 2, 3},
		{"seeds = 2", "", true, 0, 6, 1, 1},
	} {
		c := testConfig(t, tc.experiment, tc.ppo, tc.sweep)
		s, err := Write(c, options(t, tc.shards))
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if s.Shards != tc.wantShards || s.CPUsPerTask != tc.wantCPUs || s.TaskSteps != tc.wantRounds*steps {
			t.Errorf("case %d: %d shards × %d CPUs, %d steps; want %d × %d, %d", i, s.Shards, s.CPUsPerTask, s.TaskSteps,
				tc.wantShards, tc.wantCPUs, tc.wantRounds*steps)
		}
		array, _ := os.ReadFile(s.Array)
		for _, want := range []string{
			fmt.Sprintf("#SBATCH --array=0-%d\n", tc.wantShards-1),
			fmt.Sprintf("#SBATCH --cpus-per-task=%d\n", tc.wantCPUs),
			fmt.Sprintf(`--shard "${SLURM_ARRAY_TASK_ID}/%d"`, tc.wantShards),
		} {
			if !strings.Contains(string(array), want) {
				t.Errorf("case %d: array script lacks %q:\n%s", i, want, array)
			}
		}
	}
}

// The CPU request must match what a task actually runs at once: plan every
// shard as `experiments run --shard` does and count the seeds of its
// busiest run directory.
func TestCPUsCoverTheBusiestShard(t *testing.T) {
	c := testConfig(t, "seeds = [3, 1, 4, 15, 9]", "threads = 2", true)
	o := options(t, 4)
	s, err := Write(c, o)
	if err != nil {
		t.Fatal(err)
	}
	busiest := 0
	for i := 0; i < 4; i++ {
		runs, err := experiments.Plan(c, experiments.PlanOptions{Out: o.Out, Shard: experiments.Shard{Index: i, Count: 4}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			busiest = max(busiest, len(r.Jobs))
		}
	}
	if busiest == 0 || s.CPUsPerTask != 2*busiest {
		t.Errorf("CPUs per task %d, want 2 threads × %d seeds", s.CPUsPerTask, busiest)
	}
}

func TestScriptsAreValidBashWithAbsolutePaths(t *testing.T) {
	c := testConfig(t, "seeds = 3", "", true)
	o := options(t, 3)
	o.Seeds = "0,1,2"
	o.Partition, o.Time, o.Extra = "gpu", "1:00:00", []string{"--account=proj42", "--mem=4G"}
	o.Merge = Resources{CPUs: 2, Mem: "1G", Time: "20"}
	o.Setup, o.SetupFrom = "module load misgen", "--setup /etc/misgen.sh"
	s, err := Write(c, o)
	if err != nil {
		t.Fatal(err)
	}
	if dir, _ := ScriptDir(o.Out, c); s.Dir != dir || !strings.HasPrefix(dir, filepath.Join(o.Out, "tiny", "slurm")+"/") {
		t.Errorf("script dir %s", s.Dir)
	}
	if fi, err := os.Stat(s.Logs); err != nil || !fi.IsDir() {
		t.Errorf("log directory not created: %v", err)
	}
	array, _ := os.ReadFile(s.Array)
	merge, _ := os.ReadFile(s.Merge)
	for _, want := range []string{
		"#SBATCH --chdir=" + o.WorkDir + "\n", "#SBATCH --requeue\n", "#SBATCH --open-mode=append\n",
		"#SBATCH --output=" + filepath.Join(s.Logs, "array-%A_%a.log") + "\n",
		"#SBATCH --partition=gpu\n", "#SBATCH --time=1:00:00\n", "#SBATCH --account=proj42\n", "#SBATCH --mem=4G\n",
		"#SBATCH --signal=B:USR1@300\n",
		"cd '" + o.WorkDir + "'\n",
		"# ---- begin --setup /etc/misgen.sh\nset +eu\nmodule load misgen\nset -eu\n",
		`${launcher[@]+"${launcher[@]}"} '/opt/misgen/bin/experiments' run '` + o.Config + "' --profile 'base' --out '" + o.Out + "' --seeds '0,1,2' --shard",
	} {
		if !strings.Contains(string(array), want) {
			t.Errorf("array script lacks %q:\n%s", want, array)
		}
	}
	// --mem from Extra, not the merge's.
	if strings.Contains(string(array), "--mem=1G") || strings.Contains(string(array), "--time=20\n") {
		t.Errorf("array script has the merge job's resources:\n%s", array)
	}
	if len(s.RunDirs) != 3 {
		t.Fatalf("run dirs %v, want one per sweep point", s.RunDirs)
	}
	for _, want := range []string{
		"#SBATCH --kill-on-invalid-dep=yes\n",
		// The merge's own resources come after --sbatch's --mem=4G and win.
		"#SBATCH --mem=4G\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=1G\n#SBATCH --time=20\n",
		"#SBATCH --output=" + filepath.Join(s.Logs, "merge-%j.log") + "\n",
		"module load misgen\n",
		`${launcher[@]+"${launcher[@]}"} '/opt/misgen/bin/experiments' report '` + s.RunDirs[2] + "'\n",
		"--write '" + filepath.Join(o.Out, "tiny", "tables") + "'",
	} {
		if !strings.Contains(string(merge), want) {
			t.Errorf("merge script lacks %q:\n%s", want, merge)
		}
	}
	for _, notWant := range []string{"--time=1:00:00", "--signal", "--array"} {
		if strings.Contains(string(merge), notWant) {
			t.Errorf("merge script has the array's %s:\n%s", notWant, merge)
		}
	}
	for _, p := range []string{s.Array, s.Merge, s.Submit} {
		if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", p, err, out)
		}
		if fi, _ := os.Stat(p); fi.Mode()&0o100 == 0 {
			t.Errorf("%s is not executable", p)
		}
	}
}

// The run directories in the scripts are the ones `experiments run` uses.
func TestRunDirsMatchThePipeline(t *testing.T) {
	c := testConfig(t, "seeds = 2", "", false)
	o := options(t, 2)
	s, err := Write(c, o)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := experiments.RunDir(o.Out, c)
	if len(s.RunDirs) != 1 || s.RunDirs[0] != want {
		t.Errorf("run dirs %v, want [%s]", s.RunDirs, want)
	}
}

func TestWriteRejects(t *testing.T) {
	c := testConfig(t, "seeds = 3", "", false)
	for i, tc := range []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Shards = 4 }, "only 3 independent jobs"},
		{func(o *Options) { o.Shards = -1 }, "-1 shards"},
		{func(o *Options) { o.Exe = "bin/experiments" }, "not an absolute path"},
		{func(o *Options) { o.WorkDir = "." }, "not an absolute path"},
		{func(o *Options) { o.Partition = "a b" }, "cannot hold blanks"},
		{func(o *Options) { o.Extra = []string{"account=x"} }, "starting with '-'"},
		{func(o *Options) { o.Extra = []string{"--a\n--b"} }, "starting with '-'"},
		{func(o *Options) { o.Merge.Mem = "4 G" }, "cannot hold blanks"},
		{func(o *Options) { o.Merge.CPUs = -1 }, "-1 merge CPUs"},
		{func(o *Options) { o.SignalLead = -time.Second }, "want 0 (no signal)"},
		{func(o *Options) { o.SignalLead = 20 * time.Hour }, "want 0 (no signal)"},
		// A lead as long as the limit would requeue the task at once.
		{func(o *Options) { o.Time, o.SignalLead = "5", 5*time.Minute }, "not shorter than the time limit 5 (5m0s)"},
		{func(o *Options) { o.Time, o.SignalLead = "0:04:00", 5*time.Minute }, "not shorter than the time limit"},
	} {
		o := options(t, 3)
		tc.edit(&o)
		if _, err := Write(c, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
}

// Leads shorter than the limit, limits sbatch judges itself, and no
// signal at all are accepted; without a lead the array asks for no signal.
func TestSignalLeadAccepted(t *testing.T) {
	c := testConfig(t, "seeds = 2", "", false)
	for i, tc := range []struct {
		time string
		lead time.Duration
		want string
	}{
		{"10", 5 * time.Minute, "#SBATCH --signal=B:USR1@300\n"},
		{"UNLIMITED", time.Minute, "#SBATCH --signal=B:USR1@60\n"},
		{"", 1500 * time.Millisecond, "#SBATCH --signal=B:USR1@2\n"},
		{"1", 0, ""},
	} {
		o := options(t, 2)
		o.Time, o.SignalLead = tc.time, tc.lead
		s, err := Write(c, o)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		array, _ := os.ReadFile(s.Array)
		if got := strings.Contains(string(array), "--signal"); got != (tc.want != "") || !strings.Contains(string(array), tc.want) {
			t.Errorf("case %d: want %q in:\n%s", i, tc.want, array)
		}
	}
}

func TestParseJobID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"123\n", "123", true},
		{"4567;cluster-a\n", "4567", true},
		{"sbatch: warning: something\n89\n", "89", true},
		{"", "", false},
		{"Submitted batch job 12\n", "", false},
		{"0\n", "", false},
	} {
		got, err := ParseJobID(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseJobID(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestSubmitWithoutSbatch(t *testing.T) {
	c := testConfig(t, "seeds = 2", "", false)
	s, err := Write(c, options(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = Submit(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "sbatch not found on PATH") {
		t.Errorf("Submit without sbatch: %v", err)
	}
}
