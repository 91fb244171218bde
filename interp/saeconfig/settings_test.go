package saeconfig

import (
	"strings"
	"testing"
)

func TestSAESettingsValidate(t *testing.T) {
	if err := DefaultSAESettings().Validate(); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		edit func(*SAESettings)
		want string
	}{
		{func(s *SAESettings) { s.Kind = "gated" }, `kind = "gated"`},
		{func(s *SAESettings) { s.Sizes = nil }, "sizes: empty"},
		{func(s *SAESettings) { s.Sizes[1] = 0 }, "sizes[1] = 0"},
		{func(s *SAESettings) { s.L0 = []int{2, 300} }, "l0[1] = 300: want [1, largest of sizes = 256]"},
		{func(s *SAESettings) { s.L1 = 0 }, "l1 = 0"},
		{func(s *SAESettings) { s.LearningRate = 1 }, "learning_rate = 1"},
	} {
		s := DefaultSAESettings()
		tc.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
}

// TuneL1 finds the coefficient of a monotone L0(l1) curve.
