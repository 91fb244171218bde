package replay

import (
	"reflect"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/schema"
)

// TestCollectorInterleaved steps four real episodes round-robin, as a
// batched evaluation does, and checks the first three are recorded exactly
// as if each had been recorded alone.
func TestCollectorInterleaved(t *testing.T) {
	meta, err := NewMeta(coinrun.Name, schema.IDVariant, coinrun.DefaultConfig(), envs.DefaultObsConfig(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	act := func(ep, step int) int { return []int{8, 7, 5}[(ep+step/7)%3] }
	want := make([]Episode, 3)
	for e := range want {
		m := meta
		m.LevelSeed = uint64(100 + e)
		want[e], err = Run(m, func(step int, _ envs.Env) (int, []float32, float32) { return act(e, step), nil, 0 }, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	col := NewCollector(meta, 3)
	type live struct {
		env  envs.Env
		step int
		done bool
	}
	eps := make([]live, 4)
	for e := range eps {
		eps[e].env, _ = meta.NewEnv()
		eps[e].env.Reset(uint64(100 + e))
	}
	for running := true; running; {
		running = false
		for e := range eps {
			l := &eps[e]
			if l.done {
				continue
			}
			running = true
			a := act(e, l.step)
			r, done, err := l.env.Step(a)
			if err != nil {
				t.Fatal(err)
			}
			col.Step(e, uint64(100+e), l.step, a, nil, 0, r, l.env.Info())
			l.step++
			l.done = done
		}
	}
	got := col.Episodes()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("collected %d episodes differ from separately recorded ones", len(got))
	}
	for i := range got {
		if err := Verify(&got[i]); err != nil {
			t.Fatalf("episode %d: %v", i, err)
		}
	}
}
