package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/internal/testtool"
)

// readmeLine is one shell command of README.md: a line of a ```sh block,
// with backslash continuations joined.
type readmeLine struct {
	Line int    // 1-based line of README.md where the command starts
	Text string // the command as written
}

// readmeShell returns the commands of every ```sh block of the README.
func readmeShell(t *testing.T, path string) []readmeLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readmeLine
	in, n := false, 0
	var cur *readmeLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in = true
			continue
		case in && strings.HasPrefix(line, "```"):
			in = false
			continue
		case !in:
			continue
		}
		if cur != nil {
			cur.Text += "\n" + line
		} else {
			if s := strings.TrimSpace(line); s == "" || strings.HasPrefix(s, "#") {
				continue
			}
			out = append(out, readmeLine{Line: n, Text: line})
			cur = &out[len(out)-1]
		}
		if !strings.HasSuffix(strings.TrimRight(line, " "), "\\") {
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readmeRule says how the test treats the README commands whose text
// starts with Prefix.
type readmeRule struct {
	Prefix string
	// How: "run" (in the scratch clone), "root" (in the checkout, for the
	// build line), "window" (a viewer window: it must draw its first
	// frame), "validate" (a reference run that takes hours: its run
	// directory must be the committed one), "no-submit" (a Slurm
	// submission: the scripts are written; the Slurm test submits) or
	// "skip".
	How string
	Why string // for skip: why the command cannot run here
}

// readmeRules lists how every README command is run; a command that
// matches no rule fails the test, so a new command gets a rule (and runs).
var readmeRules = []readmeRule{
	{Prefix: "make run", How: "skip", Why: "the setup runs its equivalent: bin/experiments run coinrun-ood.toml --profile quick (on a tiny local config)"},
	{Prefix: "make test", How: "skip", Why: "the command this test is part of"},
	{Prefix: "go build -o bin/ ./cmd/...", How: "root"},
	{Prefix: "bin/experiments run coinrun-population.toml", How: "validate"},
	{Prefix: "bin/experiments run maze-colour-shape.toml --out results", How: "validate"},
	{Prefix: "bin/experiments slurm", How: "no-submit"},
	{Prefix: "bin/viewer runs/coinrun-ood/quick-*/ -", How: "run"},
	{Prefix: "bin/viewer runs/", How: "window"},
	{Prefix: "bin/viewer -play", How: "window"},
	{Prefix: "bin/viewer -checkpoint", How: "window"},
	{Prefix: "bin/", How: "run"},
	{Prefix: "cp experiments/config/configs/", How: "run"},
	{Prefix: "TORCH=", How: "skip", Why: "GPU build: needs pip's CUDA torch on a GPU machine"},
	{Prefix: "ABI=", How: "skip", Why: "GPU build"},
	{Prefix: "export CGO_", How: "skip", Why: "GPU build"},
	{Prefix: "go build -tags customtorch", How: "skip", Why: "GPU build"},
	{Prefix: "scripts/build-shim.sh", How: "skip", Why: "GPU build (the shim build is checked by the torchshared tests)"},
	{Prefix: "CGO_LDFLAGS=", How: "skip", Why: "GPU build"},
	{Prefix: "LD_LIBRARY_PATH=", How: "skip", Why: "GPU build: runs on the GPU machine"},
}

func ruleFor(cmd string) (readmeRule, bool) {
	for _, r := range readmeRules {
		if strings.HasPrefix(cmd, r.Prefix) {
			return r, true
		}
	}
	return readmeRule{}, false
}

// tinyQuick replaces the [profiles.quick] table of a shipped config with a
// tiny one: the README's commands then run on real configs of the same
// names in seconds (a config name resolves in the working directory before
// the shipped configs).
func tinyQuick(t *testing.T, name, quick string) []byte {
	t.Helper()
	src, err := config.ShippedSource(name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "[profiles.quick]")
	if i < 0 {
		t.Fatalf("%s has no [profiles.quick]", name)
	}
	j := strings.Index(s[i+1:], "\n[profiles.")
	rest := ""
	if j >= 0 {
		rest = s[i+1+j:]
	}
	return []byte(s[:i] + "[profiles.quick]\n" + quick + rest)
}

// tinyCoinRunQuick trains two CoinRun agents for a few updates, records
// every evaluation episode for the viewer and runs a tiny interp stage.
const tinyCoinRunQuick = `experiment.seeds = 2
ppo.total_steps = 98_304
eval.episodes = 24
eval.replays = 24
interp.samples = 600
interp.episodes = 4
interp.layers = ["fc"]
interp.sae.sizes = [16]
interp.sae.l0 = [4]
interp.sae.steps = 20
interp.steer_scales = [1]
`

// tinyMazeQuick is a tiny quick profile without the interp stage (used
// for the maze and the CoinRun sweep).
const tinyMazeQuick = `experiment.seeds = 2
ppo.total_steps = 16_384
eval.episodes = 12
eval.replays = 2
interp.enabled = false
`

// TestREADMECommands runs the README's shell commands as written, in a
// scratch directory laid out like a fresh clone after `make run`: bin/
// built by the README's own build line, results/ a copy of the committed
// results, experiments/ the checkout's, and the configs the commands name
// as tiny local files of the same names.
func TestREADMECommands(t *testing.T) {
	testtool.Integration(t, "runs every shell command of the README on tiny configs (~3 min)")
	testtool.Require(t, "the README's commands are bash lines", "bash", "cp")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeShell(t, filepath.Join(root, "README.md"))
	if len(lines) < 20 {
		t.Fatalf("README.md has %d shell commands: not the README", len(lines))
	}
	scratch := t.TempDir()
	env := append(os.Environ(), "HOME="+scratch, "PATH=/usr/local/go/bin:"+os.Getenv("PATH"))
	sh := func(dir, line string, extra ...string) (string, error) {
		cmd := exec.Command("bash", "-c", line)
		cmd.Dir, cmd.Env = dir, append(env, extra...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	mustSh := func(dir, line string) {
		if out, err := sh(dir, line); err != nil {
			t.Fatalf("setup %q: %v\n%s", line, err, out)
		}
	}
	// A fresh clone after make build and make run.
	mustSh(root, "go build -o bin/ ./cmd/...")
	mustSh(scratch, fmt.Sprintf("ln -s %q/bin bin && ln -s %q/experiments experiments && cp -r %q/results results", root, root, root))
	for name, quick := range map[string]string{"coinrun-ood.toml": tinyCoinRunQuick, "coinrun-mix.toml": tinyMazeQuick, "maze-ood.toml": tinyMazeQuick} {
		if err := os.WriteFile(filepath.Join(scratch, name), tinyQuick(t, name, quick), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeREADMEFiles(t, root, scratch)
	start := time.Now()
	mustSh(scratch, "bin/experiments run coinrun-ood.toml --profile quick")
	t.Logf("setup run (make run's equivalent, tiny): %s", time.Since(start).Round(time.Second))

	for _, l := range lines {
		r, ok := ruleFor(l.Text)
		if !ok {
			t.Errorf("README.md:%d: no rule for %q: add one to readmeRules (and run it)", l.Line, l.Text)
			continue
		}
		start := time.Now()
		var out string
		var err error
		switch r.How {
		case "skip":
			t.Logf("README.md:%d: not run (%s): %s", l.Line, r.Why, l.Text)
			continue
		case "root":
			out, err = sh(root, l.Text)
		case "run":
			out, err = sh(scratch, l.Text)
		case "no-submit":
			out, err = sh(scratch, strings.Replace(l.Text, " --submit", "", 1))
		case "validate":
			out, err = validateReference(t, scratch, l.Text, sh)
		case "window":
			out, err = runWindow(t, scratch, l.Text, env)
		}
		if err != nil {
			t.Errorf("README.md:%d: %s: %v\n%s", l.Line, l.Text, err, out)
			continue
		}
		t.Logf("README.md:%d: ok in %s: %s", l.Line, time.Since(start).Round(time.Millisecond), firstLine(l.Text))
	}
}

// writeREADMEFiles writes the files the README's commands read that the
// README itself shows: the ```toml block after "my-maze.toml" is the
// reader's own config.
func writeREADMEFiles(t *testing.T, root, scratch string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)`my-maze.toml`[^`]*?```toml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		m = regexp.MustCompile("(?s)my-maze\\.toml.*?```toml\n(.*?)```").FindSubmatch(readme)
	}
	if m == nil {
		t.Fatal("README.md shows no my-maze.toml block for its validate commands")
	}
	if err := os.WriteFile(filepath.Join(scratch, "my-maze.toml"), m[1], 0o644); err != nil {
		t.Fatal(err)
	}
}

// validateReference checks a command that regenerates a committed
// reference run (hours on this machine) by validating the same arguments:
// every run directory it would write must be committed under results/.
func validateReference(t *testing.T, scratch, line string, sh func(dir, line string, extra ...string) (string, error)) (string, error) {
	t.Helper()
	v := strings.Replace(line, "bin/experiments run ", "bin/experiments validate ", 1)
	out, err := sh(scratch, v)
	if err != nil {
		return out, err
	}
	dirs := regexp.MustCompile(`(?m)^ *run dir (\S+)$`).FindAllStringSubmatch(out, -1)
	if len(dirs) == 0 {
		return out, fmt.Errorf("validate printed no run dir")
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(scratch, d[1], "resolved.toml")); err != nil {
			return out, fmt.Errorf("the reference run %s is not committed: %v", d[1], err)
		}
	}
	return out, nil
}

// runWindow starts a viewer window command; it passes once the window has
// drawn its first frame (the viewer's MISGEN_VIEWER_FIRST_FRAME hook), and
// the window is then closed.
func runWindow(t *testing.T, scratch, line string, env []string) (string, error) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		testtool.Missing(t, "README window commands need an X display (make test runs under xvfb-run)")
		return "", nil
	}
	drawn := filepath.Join(t.TempDir(), "drawn")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a failure bound, not a speed check
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir, cmd.Env = scratch, append(env, "MISGEN_VIEWER_FIRST_FRAME="+drawn)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			if _, serr := os.Stat(drawn); serr == nil {
				return out.String(), nil
			}
			return out.String(), fmt.Errorf("the window exited before drawing a frame: %v", err)
		case <-tick.C:
			if _, err := os.Stat(drawn); err == nil {
				syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				<-exited
				return out.String(), nil
			}
		}
	}
}
