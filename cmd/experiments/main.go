// Command experiments runs misgen's goal-misgeneralization experiments:
// one TOML config describes an experiment; `experiments run` trains agents
// over several seeds, evaluates them in distribution and on OOD variants,
// runs the interpretability stage and the audit, and writes tables, plots,
// replays and report.html under runs/<experiment>/<run-id>/ (--out picks
// another root; the reference results the README cites are in results/).
//
//	experiments run coinrun-ood.toml --profile quick
//	experiments list
//	experiments validate maze-ood
//	experiments table results/coinrun-ood/*/
//	experiments export results/coinrun-ood/quick-*/
//	experiments slurm coinrun-ood.toml --shards 3 --submit
//
// Exit status: 0 on success, 2 for usage and config errors, 1 for runtime
// failures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/misgen/misgen/envs/all" // register every game
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// streams are where a command writes (results on stdout, progress and
// errors on stderr) and the stage implementations it runs
// (experiments.StandardStages outside tests).
type streams struct {
	stdout, stderr io.Writer
	stages         experiments.Stages
}

// command is one subcommand. setup registers its flags on fs (binding them
// to a fresh options struct) and returns the function that fills the
// positional arguments and runs it.
type command struct {
	name    string
	args    string // positional arguments for the usage line
	summary string
	minArgs int
	maxArgs int // -1: unlimited
	setup   func(fs *flag.FlagSet, st streams) func(ctx context.Context, args []string) error
}

// options is a command's flags and arguments: register binds the flags,
// run runs the command with the positional arguments.
type options interface {
	register(fs *flag.FlagSet)
	run(ctx context.Context, args []string) error
}

// setupOf is the setup of a command whose options are a T that embeds
// streams: a fresh T per invocation, bound to fs.
func setupOf[T any, P interface {
	*T
	options
	use(streams)
}]() func(*flag.FlagSet, streams) func(context.Context, []string) error {
	return func(fs *flag.FlagSet, st streams) func(context.Context, []string) error {
		o := P(new(T))
		o.use(st)
		o.register(fs)
		return o.run
	}
}

// use sets where a command writes.
func (s *streams) use(st streams) { *s = st }

// commands lists every subcommand, in help order.
var commands = []command{
	runCommand,
	listCommand,
	validateCommand,
	evalCommand,
	tableCommand,
	reportCommand,
	exportCommand,
	slurmCommand,
	auditCommand,
	circumventCommand,
	versionCommand,
}

// usageError is a command-line mistake: exit status 2 with usage help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main runs the command line args and returns the exit status. It is main
// without the process: tests call it in-process (mainWith, to substitute
// stages).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return mainWith(ctx, args, streams{stdout: stdout, stderr: stderr, stages: experiments.StandardStages()})
}

func mainWith(ctx context.Context, args []string, st streams) int {
	stdout, stderr := st.stdout, st.stderr
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	name := args[0]
	if name == "-h" || name == "-help" || name == "--help" || name == "help" {
		printUsage(stdout)
		return 0
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == name {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "experiments: unknown command %q\n\n", name)
		printUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("experiments "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	runFn := cmd.setup(fs, st)
	// The flag package calls Usage itself on -help and on bad flags; it
	// stays silent while parsing so help goes to stdout and errors' usage
	// to stderr, each exactly once.
	fs.Usage = func() {}
	pos, err := parseInterspersed(fs, args[1:])
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: experiments %s [flags] %s\n\n%s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if err == nil && (len(pos) < cmd.minArgs || (cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs)) {
		err = usagef("experiments %s: want %s, got %d argument(s)", cmd.name, cmd.args, len(pos))
	}
	if err == nil {
		err = runFn(ctx, pos)
	}
	return exitCode(err, fs, stderr)
}

// exitCode reports err on stderr and maps it to the exit status, in one
// place: 2 for usage and config errors, 1 for anything else.
func exitCode(err error, fs *flag.FlagSet, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var ce *config.ConfigError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%v\n\n", err)
		fs.Usage()
		return 2
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "experiments: config error: %v\n", err)
		return 2
	case isFlagError(err):
		// The flag package has already printed the error line.
		fmt.Fprintln(stderr)
		fs.Usage()
		return 2
	}
	fmt.Fprintf(stderr, "experiments: %v\n", err)
	return 1
}

// flagError wraps errors from flag parsing, which the flag package has
// already reported.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe *flagError
	return errors.As(err, &fe)
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments ("run coinrun-ood.toml --profile quick"); "--" ends
// flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &flagError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag.Parse stops at "--" (consumed) or at the first non-flag.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "experiments runs misgen goal-misgeneralization experiments.\n\nusage: experiments <command> [flags] [arguments]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, firstLine(c.summary))
	}
	fmt.Fprintf(w, "\nRun 'experiments <command> --help' for a command's flags.\n")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
