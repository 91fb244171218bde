package probe

import (
	"math"
	"testing"

	"github.com/misgen/misgen/agents"
)

// LogProbs and LayerActivations cover more observations than one forward
// batch holds, row by row as separate calls would, and LogProbs rows are
// normalised.
func TestForwardAcrossBatches(t *testing.T) {
	io := agents.PolicyIO{Game: "test", ObsShape: [3]int{2, 3, 3}, NumActions: 3}
	p, err := agents.NewPolicy(agents.PolicyConfig{Arch: "mlp", Hidden: 6, Layers: 2}, io, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	n := agents.MaxForwardBatch + 7
	obs := make([]float32, n*io.ObsSize())
	for i := range obs {
		obs[i] = float32(i%11) / 10
	}
	lp, err := LogProbs(p, obs, nil)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := LayerActivations(p, obs, "fc0", "fc1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lp) != n*io.NumActions || acts["fc0"].Rows != n || acts["fc1"].Cols != 6 {
		t.Fatalf("%d log-probabilities, fc0 %d rows, fc1 %d columns", len(lp), acts["fc0"].Rows, acts["fc1"].Cols)
	}
	for _, i := range []int{0, agents.MaxForwardBatch - 1, agents.MaxForwardBatch, n - 1} {
		x := obs[i*io.ObsSize() : (i+1)*io.ObsSize()]
		one, err := LogProbs(p, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := LayerActivations(p, x, "fc1")
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for k := 0; k < io.NumActions; k++ {
			total += math.Exp(lp[i*io.NumActions+k])
			if d := math.Abs(one[k] - lp[i*io.NumActions+k]); d > 1e-6 {
				t.Errorf("row %d action %d: batched %v, alone %v", i, k, lp[i*io.NumActions+k], one[k])
			}
		}
		if math.Abs(total-1) > 1e-5 {
			t.Errorf("row %d: probabilities sum to %v", i, total)
		}
		for j, v := range a["fc1"].Row(0) {
			if d := math.Abs(float64(v - acts["fc1"].Row(i)[j])); d > 1e-6 {
				t.Errorf("row %d unit %d: batched %v, alone %v", i, j, acts["fc1"].Row(i)[j], v)
			}
		}
	}
	if _, err := LayerActivations(p, obs[:io.ObsSize()], "nosuchlayer"); err == nil {
		t.Error("a layer the policy lacks was captured")
	}
	if k := KL([]float64{math.Log(0.5), math.Log(0.5)}, []float64{math.Log(0.25), math.Log(0.75)}); math.Abs(k-0.5*math.Log(2)-0.5*math.Log(2.0/3)) > 1e-12 {
		t.Errorf("KL = %v", k)
	}
}

func TestArgmax(t *testing.T) {
	for _, tc := range []struct {
		v    []float32
		want int
	}{
		{[]float32{0.1, 0.7, 0.2}, 1},
		{[]float32{3, 3, 1}, 0}, // the first among equals
		{[]float32{-2, -1}, 1},
		{[]float32{5}, 0},
	} {
		if got := Argmax(tc.v); got != tc.want {
			t.Errorf("Argmax(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}
