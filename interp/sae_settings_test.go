package interp

import (
	"math"
	"testing"
)

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
