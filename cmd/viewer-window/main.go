// Command viewer-window is the window of the misgen viewer (replays, -play,
// -checkpoint). Run it through `viewer`, which handles help, -screenshot
// and -gif itself and starts this binary, with the same arguments, only
// when an X display is available: ebiten, linked here, initialises GLFW
// when the program starts and panics without a display.
//
// This thin main injects what the viewer's window-free logic (package
// viz/viewer/app) must not link: the policy runtime for -checkpoint.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/misgen/misgen/viz/viewer"
	"github.com/misgen/misgen/viz/viewer/app"
	"github.com/misgen/misgen/viz/viewer/policy"
)

func main() {
	a, err := app.ParseArgs(os.Args[1:], os.Stdout, os.Stderr)
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
		err = viewer.Run(a, app.Loaders{Policy: policy.Loader(a.Seed, a.Greedy)})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
