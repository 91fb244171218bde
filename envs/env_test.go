package envs

import (
	"errors"
	"strings"
	"testing"
)

type typedCfg struct{ Size int }

type typedEnv struct{ Env }

func newTypedEnv(c typedCfg, _ ObsConfig) (*typedEnv, error) {
	if c.Size < 1 {
		return nil, errors.New("size must be positive")
	}
	return &typedEnv{}, nil
}

func TestTypedNew(t *testing.T) {
	newEnv := TypedNew("toy", newTypedEnv)
	for i, tc := range []struct {
		cfg     any
		wantErr string
	}{
		{&typedCfg{Size: 2}, ""},
		{typedCfg{Size: 2}, ""},
		{&typedCfg{Size: 0}, "size must be positive"},
		{"size=2", "toy: config of type string"},
	} {
		e, err := newEnv(tc.cfg, DefaultObsConfig())
		if tc.wantErr == "" {
			if err != nil || e == nil {
				t.Errorf("case %d: got %v, %v", i, e, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("case %d: err = %v, want %q", i, err, tc.wantErr)
		}
		// A failed constructor must give a nil interface, not a nil *typedEnv.
		if e != nil {
			t.Errorf("case %d: env = %#v, want nil", i, e)
		}
	}
}
