package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSweepExpand(t *testing.T) {
	c, err := loadText(t, sweepTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	subs, err := c.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 3 {
		t.Fatalf("%d sub-experiments", len(subs))
	}
	hashes := map[string]bool{}
	for i, want := range []float64{0, 0.25, 1} {
		s := subs[i]
		if g := s.Env.Train.(*testGameConfig); g.GoalProb != want || g.Size != 6 {
			t.Errorf("point %d: train = %+v, want goal_prob %v with the quick profile's size 6", i, *g, want)
		}
		if g := s.Env.OOD["random_goal"].(*testGameConfig); g.GoalProb != want {
			t.Errorf("point %d: OOD inherits the swept training value: %+v", i, *g)
		}
		if s.Sweep.Key != "" || s.Experiment.Point != fmt.Sprintf("goal_prob=%v", want) {
			t.Errorf("point %d: sweep %+v point %q", i, s.Sweep, s.Experiment.Point)
		}
		h, _ := s.Hash()
		hashes[h] = true
		if id, _ := s.RunID(); !strings.HasPrefix(id, "quick-") {
			t.Errorf("point %d: run id %s", i, id)
		}
	}
	if len(hashes) != 3 {
		t.Errorf("sweep points share a hash")
	}

	for i, tc := range []struct{ old, new, msg string }{
		{`key = "env.train.goal_prob"`, `key = "env.train.goal_prb"`, `sweep.key: names an unknown key "env.train.goal_prb"`},
		{`key = "env.train.goal_prob"`, `key = "experiment.seeds"`, "sweep.key = \"experiment.seeds\": want a full key path under env"},
		{`values = [0.0, 0.25, 1]`, `values = ["a", 0.5]`, "sweep point goal_prob=a (sweep.values[0]): env.train.goal_prob: wrong type string: want a number"},
		{`values = [0.0, 0.25, 1]`, `values = [0.5, 2.0]`, "sweep point goal_prob=2 (sweep.values[1]): env.train.goal_prob = 2: want [0, 1]"},
		{`values = [0.0, 0.25, 1]`, `values = []`, "sweep.values = []: want at least one value"},
		{`values = [0.0, 0.25, 1]`, `values = [1, 1]`, "sweep.values[1]"},
	} {
		_, err := loadText(t, strings.Replace(sweepTOML, tc.old, tc.new, 1), "quick")
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("case %d: err = %v, want it to contain %q", i, err, tc.msg)
		}
	}
}

func TestResolutionOrder(t *testing.T) {
	wd, _ := os.Getwd()
	dir := t.TempDir()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	// Nothing on disk: the shipped config.
	file, src, err := readConfig("coinrun-ood")
	shippedSrc, _ := ShippedSource("coinrun-ood.toml")
	if err != nil || file != "coinrun-ood.toml" || string(src) != string(shippedSrc) {
		t.Fatalf("bare name without a local file: %q, %v", file, err)
	}
	// A file in the working directory wins over the shipped one, with or
	// without the extension.
	local := []byte(baseTOML)
	os.WriteFile("coinrun-ood.toml", local, 0o644)
	for i, name := range []string{"coinrun-ood.toml", "coinrun-ood"} {
		file, src, err := readConfig(name)
		if err != nil || file != "coinrun-ood.toml" || string(src) != baseTOML {
			t.Errorf("case %d: %q resolved to %q (local: %v), %v", i, name, file, string(src) == baseTOML, err)
		}
	}
	c, err := Load("coinrun-ood", "quick")
	if err != nil || c.Experiment.Name != "t" {
		t.Errorf("Load of the local file: %v", err)
	}
	// A path is never looked up among the shipped configs.
	if _, _, err := readConfig(filepath.Join("sub", "maze-ood.toml")); err == nil {
		t.Errorf("a missing path fell back to a shipped config")
	}
	_, err = Load("no-such-config", "quick")
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "coinrun-mix.toml, coinrun-ood.toml") {
		t.Errorf("missing config: %v", err)
	}
}

func TestListShipped(t *testing.T) {
	list := List()
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
	}
	want := []string{"coinrun-bilinear.toml", "coinrun-mix.toml", "coinrun-ood.toml", "coinrun-population.toml", "keys-chests-ood.toml", "maze-colour-shape.toml", "maze-memory.toml", "maze-ood.toml"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("List = %v, want %v", names, want)
	}
}
