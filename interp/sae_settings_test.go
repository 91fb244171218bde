package interp

import (
	"math"
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
func TestTuneL1(t *testing.T) {
	fit := func(l1 float64) (float64, error) { return 40 * math.Exp(-300*l1), nil } // L0 falls with l1
	for _, target := range []float64{2, 8, 30} {
		l1, l0, err := TuneL1(fit, target, 1e-3, 20)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(l0-target) > 0.15*target {
			t.Errorf("target %v: l1 %v gives L0 %v", target, l1, l0)
		}
	}
	if _, _, err := TuneL1(fit, 0, 1e-3, 5); err == nil {
		t.Error("zero target accepted")
	}
}
