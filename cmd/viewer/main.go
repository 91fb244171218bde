// Command viewer watches misgen episodes: recorded replays (a replay file
// or a run directory with replays/), a level played with the keyboard
// (-play), or a policy playing live (-checkpoint). -screenshot and -gif
// render recorded episodes to files and exit without opening a window.
//
// The default build links ebiten, whose start-up needs an X display even
// for the file exports (use xvfb-run -a on a headless machine); a binary
// built with -tags headless has only the file exports and needs no display.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/misgen/misgen/viz/viewer/app"
)

func main() {
	a, err := app.ParseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if a.Headless() {
		err = app.RunHeadless(a, os.Stdout)
	} else {
		err = runWindow(a)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
