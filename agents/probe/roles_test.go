package probe

import (
	"errors"
	"testing"

	"github.com/misgen/misgen/envs"
)

type cueConfig struct{}

func (cueConfig) GoalChannels() (colour, shape string) { return "colour_red", "shape_gem" }

// cueGame is a registered game whose goal and proxy channels come from its
// config (as Maze II's do), with floor as background.
const cueGame = "probe_test_cues"

func init() {
	envs.Register(envs.Game{Name: cueGame, NewConfig: func() any { return cueConfig{} },
		New:      func(any, envs.ObsConfig) (envs.Env, error) { return nil, errors.New("not playable") },
		Spec:     func(any, envs.ObsConfig) (envs.Spec, error) { return envs.Spec{}, errors.New("not playable") },
		Channels: envs.ChannelRoles{Background: []string{"floor"}}})
}

func TestResolveRoles(t *testing.T) {
	spec := coinEnv(t).Spec()
	r, err := ResolveChannels(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Channels[r.Goal[0]] != "coin" || spec.Channels[r.Proxy[0]] != "end_zone" || len(r.Planes) != 2 {
		t.Errorf("coinrun roles %+v", r)
	}
	for a, name := range spec.ActionName {
		want := [2]float64{}
		switch name {
		case "left+down":
			want = [2]float64{-1, -1}
		case "left":
			want = [2]float64{-1, 0}
		case "left+jump":
			want = [2]float64{-1, 1}
		case "down":
			want = [2]float64{0, -1}
		case "jump":
			want = [2]float64{0, 1}
		case "right+down":
			want = [2]float64{1, -1}
		case "right":
			want = [2]float64{1, 0}
		case "right+jump":
			want = [2]float64{1, 1}
		}
		if got := [2]float64{r.MoveX[a], r.MoveY[a]}; got != want {
			t.Errorf("action %q moves %v, want %v", name, got, want)
		}
	}
	if spec.ActionName[r.Right] != "right" || spec.ActionName[r.Left] != "left" {
		t.Errorf("right/left actions %d/%d", r.Right, r.Left)
	}

	// A config with two cues on the goal object names its channels: the
	// shape is the goal, the colour the proxy.
	cs := envs.Spec{Game: cueGame, NumActions: 4, ActionName: []string{"up", "right", "down", "left"},
		Channels: []string{"wall", "floor", "outside", "agent", "colour_yellow", "colour_red", "shape_line", "shape_gem"}}
	r, err = ResolveChannels(cs, cueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Channels[r.Goal[0]] != "shape_gem" || cs.Channels[r.Proxy[0]] != "colour_red" || cs.Channels[r.Background[0]] != "floor" {
		t.Errorf("colour/shape roles %+v", r)
	}
	if r.MoveY[0] != 1 || r.MoveX[1] != 1 || r.MoveY[2] != -1 || r.MoveX[3] != -1 {
		t.Errorf("maze moves %v %v", r.MoveX, r.MoveY)
	}
	if _, err := ResolveChannels(envs.Spec{Game: "nosuchgame"}, nil); err == nil {
		t.Error("an unregistered game resolved")
	}
	if _, err := ResolveChannels(envs.Spec{Game: cueGame, Channels: cs.Channels}, nil); err == nil {
		t.Error("a game without goal channels resolved")
	}
}
