package envs

import (
	"image"
	"slices"
	"strings"
	"testing"
)

// countEnv is a minimal Env for VecEnv tests: an episode of level seed s
// lasts 1 + s%5 steps, the reward is the action, and the observation is
// (seed, step).
type countEnv struct {
	seed uint64
	step int
	done bool
}

func (e *countEnv) Spec() Spec {
	return Spec{Game: "count", ObsShape: [3]int{2, 1, 1}, NumActions: 3, MaxSteps: 5,
		Outcomes: []Outcome{"end"}, Success: "end"}
}
func (e *countEnv) Reset(seed uint64) { e.seed, e.step, e.done = seed, 0, false }
func (e *countEnv) Step(a int) (float32, bool, error) {
	if e.done {
		panic("countEnv stepped after done")
	}
	e.step++
	e.done = e.step >= 1+int(e.seed%5)
	return float32(a), e.done, nil
}
func (e *countEnv) Observe(dst []float32) { dst[0], dst[1] = float32(e.seed), float32(e.step) }
func (e *countEnv) Info() Info {
	in := Info{Step: e.step, AgentX: float32(e.seed)}
	if e.done {
		in.Outcome = "end"
	}
	return in
}
func (e *countEnv) Render(int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 1, 1)) }
func (e *countEnv) ASCII() string          { return "" }

func newCountVec(t testing.TB, n int, seeds LevelSeeds, workers int) *VecEnv {
	envs := make([]Env, n)
	for i := range envs {
		envs[i] = &countEnv{}
	}
	v, err := NewVecEnv(envs, seeds, 99, workers)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVecEnvAutoReset(t *testing.T) {
	v := newCountVec(t, 3, EvalSeeds(0, 1000), 1)
	defer v.Close()
	b := EvalSeedBase
	if got := v.LevelSeeds(); !slices.Equal(got, []uint64{b, b + 1, b + 2}) {
		t.Fatalf("initial seeds %v", got)
	}
	// Episode lengths: seed b -> 1 + b%5. b = 2^32, b%5 = 1, so lengths 2, 3, 4.
	acts := []int{2, 1, 0}
	if err := v.Step(acts); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(v.Dones(), true) {
		t.Fatalf("done after one step: %v", v.Dones())
	}
	if !slices.Equal(v.Rewards(), []float32{2, 1, 0}) {
		t.Errorf("rewards %v", v.Rewards())
	}
	if err := v.Step(acts); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Dones(), []bool{true, false, false}) {
		t.Fatalf("dones %v, want env 0 only", v.Dones())
	}
	in := v.Infos()[0]
	if in.Outcome != "end" || in.Step != 2 || in.AgentX != float32(b) {
		t.Errorf("terminal info %+v, want outcome end at step 2 of seed %d", in, b)
	}
	obs := v.Obs()
	if obs[0] != float32(b+3) || obs[1] != 0 {
		t.Errorf("env 0 obs %v, want first observation of seed %d", obs[:2], b+3)
	}
	if obs[2] != float32(b+1) || obs[3] != 2 {
		t.Errorf("env 1 obs %v, want step 2 of seed %d", obs[2:4], b+1)
	}
	if v.LevelSeeds()[0] != b+3 || v.SeedsIssued() != 4 {
		t.Errorf("seeds %v issued %d", v.LevelSeeds(), v.SeedsIssued())
	}
}

func TestVecEnvInvalidAction(t *testing.T) {
	v := newCountVec(t, 4, TrainSeeds(10), 1)
	defer v.Close()
	before := slices.Clone(v.Obs())
	for ci, c := range []struct {
		acts []int
		want string
	}{
		{[]int{0, 1, 3, 0}, "env 2: action 3 out of range [0, 3)"},
		{[]int{-1, 0, 0, 0}, "env 0: action -1"},
		{[]int{0, 0}, "2 actions for 4 envs"},
	} {
		err := v.Step(c.acts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: error %v, want it to contain %q", ci, err, c.want)
		}
	}
	if !slices.Equal(before, v.Obs()) {
		t.Error("a rejected Step changed the observations")
	}
}

func TestVecEnvWorkersMatchInline(t *testing.T) {
	const n, steps = 13, 60
	ref := newCountVec(t, n, TrainSeeds(50), 1)
	defer ref.Close()
	for _, workers := range []int{2, 4, 13} {
		v := newCountVec(t, n, TrainSeeds(50), workers)
		r := newCountVec(t, n, TrainSeeds(50), 1)
		rng := NewRNG(5)
		acts := make([]int, n)
		for s := 0; s < steps; s++ {
			for i := range acts {
				acts[i] = rng.Intn(3)
			}
			if err := v.Step(acts); err != nil {
				t.Fatal(err)
			}
			if err := r.Step(acts); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Obs(), r.Obs()) || !slices.Equal(v.Rewards(), r.Rewards()) ||
				!slices.Equal(v.Dones(), r.Dones()) || !slices.Equal(v.Infos(), r.Infos()) ||
				!slices.Equal(v.LevelSeeds(), r.LevelSeeds()) {
				t.Fatalf("workers %d: step %d differs from inline stepping", workers, s)
			}
		}
		v.Close()
		r.Close()
	}
}

func TestVecEnvSequentialSeedsDistinct(t *testing.T) {
	v := newCountVec(t, 8, EvalSeeds(0, 1<<20), 3)
	defer v.Close()
	seen := map[uint64]bool{}
	for _, s := range v.LevelSeeds() {
		seen[s] = true
	}
	acts := make([]int, 8)
	for s := 0; s < 50; s++ {
		if err := v.Step(acts); err != nil {
			t.Fatal(err)
		}
		for i, d := range v.Dones() {
			if d {
				if seen[v.LevelSeeds()[i]] {
					t.Fatalf("seed %d handed out twice", v.LevelSeeds()[i])
				}
				seen[v.LevelSeeds()[i]] = true
			}
		}
	}
	if uint64(len(seen)) != v.SeedsIssued() {
		t.Errorf("%d distinct seeds, %d issued", len(seen), v.SeedsIssued())
	}
}

func TestVecEnvStepDoesNotAllocate(t *testing.T) {
	for _, workers := range []int{1, 2} {
		v := newCountVec(t, 16, TrainSeeds(100), workers)
		acts := make([]int, 16)
		if allocs := testing.AllocsPerRun(200, func() {
			if err := v.Step(acts); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("workers %d: Step allocates %v times", workers, allocs)
		}
		v.Close()
	}
}
