//go:build display

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/viz/replay/replaytest"
	"github.com/misgen/misgen/viz/viewer/app"
)

// The tests of this package link ebiten (through package main), so they
// need an X display: xvfb-run -a go test -tags display ./cmd/viewer-window.

func TestLoadExperiment(t *testing.T) {
	x, err := loadExperiment("coinrun-ood")
	if err != nil {
		t.Fatal(err)
	}
	if x.Game != coinrun.Name || x.OOD["random_coin"] == nil || x.Train.(*coinrun.Config).Coin != coinrun.CoinEnd {
		t.Fatalf("coinrun-ood: %+v", x)
	}
	game, cfg, _, err := app.VariantConfig("", "random_coin", "coinrun-ood", loadExperiment)
	if err != nil || game != coinrun.Name || cfg.(*coinrun.Config).Coin != coinrun.CoinRandom {
		t.Fatalf("variant random_coin of coinrun-ood: %s %+v %v", game, cfg, err)
	}
	if _, err := loadExperiment(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestViewerOpensWindow builds viewer and viewer-window side by side and
// opens a replay directory through viewer under this test's display: the
// window must come up and keep running until it is closed.
func TestViewerOpensWindow(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is unset: run under xvfb-run -a")
	}
	bin := t.TempDir()
	out, err := exec.Command("go", "build", "-o", bin+"/", "../viewer", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, _ := replaytest.RunDir(t, 1)
	cmd := exec.Command(filepath.Join(bin, "viewer"), dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("viewer exited while the window should be open: %v\n%s", err, stderr.String())
	case <-time.After(4 * time.Second):
	}
	// Closing: viewer passes the interrupt on to the window and exits.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		// Interrupted: 128+SIGINT, as a shell reports it, and no message.
		if cmd.ProcessState.ExitCode() != 130 {
			t.Errorf("interrupted viewer: %v, want exit status 130", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("viewer did not exit after an interrupt\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "viewer:") {
		t.Errorf("window output:\n%s", stderr.String())
	}
}
