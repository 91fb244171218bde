package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/all" // -play and -env list every game
)

// Args is the parsed command line of the viewer.
type Args struct {
	Source string // replay file or run directory (replay mode)

	Play       string // game to play by keyboard (play mode)
	Checkpoint string // policy checkpoint to watch (checkpoint mode)
	Env        string // game of the checkpoint mode (outside a run directory)
	Variant    string // "train", "ood" or a variant name of the experiment
	ConfigFile string // experiment TOML or run directory whose variants -variant names
	Seed       uint64 // level seed of the first live level
	Greedy     bool   // checkpoint mode: most probable action instead of sampling

	Screenshot string // headless: write frame Frame of episode Episode as PNG
	GIF        string // headless: write episode Episode as an animated GIF
	Frame      int
	Episode    int
	Side       bool   // side-by-side ID vs OOD (window start state and screenshots)
	Filter     string // only episodes with this outcome
	Scale      int    // pixels per tile (0: automatic)
	Every      int    // GIF: keep every n-th frame (0: automatic)
	Delay      int    // GIF: hundredths of a second per frame
}

// Modes of the viewer.
const (
	ModeReplay     = "replay"
	ModePlay       = "play"
	ModeCheckpoint = "checkpoint"
)

// Mode is the viewer mode the arguments select.
func (a *Args) Mode() string {
	switch {
	case a.Play != "":
		return ModePlay
	case a.Checkpoint != "":
		return ModeCheckpoint
	}
	return ModeReplay
}

// Headless reports whether the viewer writes a file and exits without a
// window.
func (a *Args) Headless() bool { return a.Screenshot != "" || a.GIF != "" }

// Usage is the viewer's synopsis.
const Usage = `usage:
  viewer [flags] <replay-file | run-dir>       watch recorded episodes (plays on open)
  viewer -play <game> [-variant train|ood] [-config exp.toml] [-seed N]
  viewer -checkpoint <run>/checkpoints/seed-N/latest.ckpt [-variant ...] [-seed N] [-greedy]
  viewer <replay-file | run-dir> -screenshot out.png [-frame N] [-episode K] [-side]
  viewer <replay-file | run-dir> -gif out.gif [-episode K] [-every N] [-delay D]
The window needs an X display (on a server: xvfb-run -a viewer ..., or ssh -X);
-screenshot and -gif need none.
keys: space play/pause, left/right step, +/- speed, n/p episode,
      f cycle outcome filter, s side-by-side ID vs OOD, click the timeline to seek,
      q or esc quit; live play: arrows or wasd (up jumps), r next level, +/- speed;
      -checkpoint: space pause, r next level, +/- speed, v vector field
      (the policy's expected move on every open tile; maze only)
flags:
`

// ParseArgs parses the viewer's command line (without the program name).
// Flags may follow the replay path. -h prints the help to stdout and
// returns flag.ErrHelp; a flag error is reported, with the help, on stderr.
func ParseArgs(args []string, stdout, stderr io.Writer) (*Args, error) {
	a := &Args{}
	fs := flag.NewFlagSet("viewer", flag.ContinueOnError)
	a.register(fs)
	// The flag package calls Usage on -h and on bad flags alike; stay
	// silent while parsing and print the help once, where it belongs.
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		w := stderr
		if errors.Is(err, flag.ErrHelp) {
			w = stdout
		}
		fmt.Fprint(w, Usage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		return nil, err
	}
	switch {
	case len(positional) > 1:
		return nil, fmt.Errorf("viewer: one replay file or run directory, got %d: %s", len(positional), strings.Join(positional, " "))
	case len(positional) == 1:
		a.Source = positional[0]
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// register binds a's fields to the viewer's flags.
func (a *Args) register(fs *flag.FlagSet) {
	games := strings.Join(envs.Names(), ", ")
	fs.StringVar(&a.Play, "play", "", "play `game` ("+games+") with the keyboard")
	fs.StringVar(&a.Checkpoint, "checkpoint", "", "watch the policy in checkpoint `file` play live, e.g. <run>/checkpoints/seed-0/latest.ckpt\n(the run's resolved.toml gives game, observations and variants)")
	fs.StringVar(&a.Env, "env", "", "`game` for a -checkpoint outside a run directory ("+games+")")
	fs.StringVar(&a.Variant, "variant", "train", "live variant: train, ood, or a variant `name` of the experiment (-config or the checkpoint's run)")
	fs.StringVar(&a.ConfigFile, "config", "", "experiment `file` (TOML, shipped config name or run directory) whose variants -variant names")
	fs.Uint64Var(&a.Seed, "seed", 0, "level `seed` of the first live level")
	fs.BoolVar(&a.Greedy, "greedy", false, "-checkpoint: take the most probable action instead of sampling")
	fs.StringVar(&a.Screenshot, "screenshot", "", "write one frame to `file`.png and exit (no window)")
	fs.StringVar(&a.GIF, "gif", "", "write an episode to `file`.gif and exit (no window)")
	fs.IntVar(&a.Frame, "frame", 0, "frame `N` for -screenshot (steps taken; -1 or past the end: the last)")
	fs.IntVar(&a.Episode, "episode", 0, "episode index `K` in file order (after -filter)")
	fs.BoolVar(&a.Side, "side", false, "show the ID episode and its OOD partner side by side")
	fs.StringVar(&a.Filter, "filter", "", "only episodes with `outcome`, e.g. reached_end_no_coin")
	fs.IntVar(&a.Scale, "scale", 0, "`pixels` per tile (0: automatic)")
	fs.IntVar(&a.Every, "every", 0, "GIF: keep every `n`-th frame (0: at most 300 frames)")
	fs.IntVar(&a.Delay, "delay", 5, "GIF: frame delay in `hundredths` of a second")
}

// parseInterspersed parses flags before, between and after the positional
// arguments and returns those.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return positional, nil
}

func (a *Args) validate() error {
	modes := 0
	for _, set := range []bool{a.Source != "", a.Play != "", a.Checkpoint != ""} {
		if set {
			modes++
		}
	}
	switch {
	case modes == 0:
		return errors.New("viewer: give a replay file or run directory, -play <game>, or -checkpoint <file> (-h for help)")
	case modes > 1:
		return errors.New("viewer: a replay source, -play and -checkpoint exclude each other")
	case a.Headless() && a.Mode() != ModeReplay:
		return errors.New("viewer: -screenshot and -gif render recorded episodes: give a replay file or run directory")
	case a.Screenshot != "" && a.GIF != "":
		return errors.New("viewer: -screenshot and -gif exclude each other")
	case a.Scale < 0 || a.Scale > 64:
		return fmt.Errorf("viewer: -scale %d: want 0 (automatic) or a value in [1, 64]", a.Scale)
	case a.Every < 0 || a.Delay < 1:
		return fmt.Errorf("viewer: -every %d / -delay %d: want every >= 0 and delay >= 1", a.Every, a.Delay)
	case a.Episode < 0:
		return fmt.Errorf("viewer: -episode %d: want an index >= 0", a.Episode)
	}
	return nil
}
