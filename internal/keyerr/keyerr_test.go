package keyerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{New("size", 4, "odd in [5, 63]"), "size = 4: want odd in [5, 63]"},
		{New("coin", "up", `"end" or "random"`), `coin = "up": want "end" or "random"`},
		{Errorf("widths", "empty: want at least one stage width"), "widths: empty: want at least one stage width"},
		{Under("env.maze", New("size", 4, "odd")), "env.maze.size = 4: want odd"},
		{Under("env", Under("maze", New("size", 4, "odd"))), "env.maze.size = 4: want odd"},
		{Under("env.heist", errors.New("items do not fit")), "env.heist: items do not fit"},
		{Under("env", Under("heist", errors.New("items do not fit"))), "env.heist: items do not fit"},
		{Under("", New("size", 4, "odd")), "size = 4: want odd"},
		{Under("ppo", Unknown("gamam", "want one of gamma")), `unknown key "ppo.gamam": want one of gamma`},
		{At("line 3", Under("ppo", New("gamma", 2, "(0, 1]"))), "line 3: ppo.gamma = 2: want (0, 1]"},
		{At("sweep point a", At("line 3", errors.New("bad"))), "sweep point a: line 3: bad"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestUnderKeepsKeyStructured(t *testing.T) {
	err := fmt.Errorf("validating: %w", Under("ppo", New("gamma", 1.5, "(0, 1]")))
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatal("wrapped *Error not found by errors.As")
	}
	if ke.Key != "ppo.gamma" || ke.Path() != "ppo.gamma" {
		t.Errorf("key %q path %q, want ppo.gamma", ke.Key, ke.Path())
	}
	if Under("x", nil) != nil || As(nil) != nil {
		t.Error("nil error must stay nil")
	}
	if got := As(errors.New("plain")); got.Key != "" || got.Msg != "plain" {
		t.Errorf("As(plain) = %+v", got)
	}
}
