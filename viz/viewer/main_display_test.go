//go:build display

package viewer

import (
	"fmt"
	"os"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
)

// TestMain runs the tests inside ebiten.RunGame, so they may create images
// and draw as the viewer does. Importing ebiten needs an X display: GLFW
// initialises in ebiten's package init and panics without one, before
// TestMain could check DISPLAY. Hence the "display" build tag, which keeps
// plain `go test ./...` display-free; run these with
//
//	xvfb-run -a go test -tags display ./viz/viewer/...   (scripts/xvfb-test.sh)
func TestMain(m *testing.M) {
	r := &testRunner{m: m, done: make(chan int, 1)}
	ebiten.SetWindowSize(320, 240)
	if err := ebiten.RunGame(r); err != nil {
		fmt.Println("viz/viewer: RunGame:", err)
		os.Exit(1)
	}
	os.Exit(r.code)
}

// testRunner starts the tests on its first Update and ends the game when
// they finish.
type testRunner struct {
	m       *testing.M
	started bool
	done    chan int
	code    int
}

func (r *testRunner) Update() error {
	if !r.started {
		r.started = true
		go func() { r.done <- r.m.Run() }()
	}
	select {
	case r.code = <-r.done:
		return ebiten.Termination
	default:
		return nil
	}
}

func (r *testRunner) Draw(*ebiten.Image)         {}
func (r *testRunner) Layout(w, h int) (int, int) { return w, h }
