// Package replaytest makes small real replays for the tests of the
// packages that read them (the viewer, its commands).
package replaytest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/replay"
)

// CoinRunPair plays CoinRun level 0 for training seed seed with a scripted
// "hold right+jump" agent (probabilities 0.8 right+jump, 0.2 right; value
// 1), in the training variant and in the random-coin OOD variant, where it
// runs past the coin to the end (the misgeneralization).
func CoinRunPair(t testing.TB, seed int) []replay.Episode {
	t.Helper()
	ood := coinrun.DefaultConfig()
	ood.Coin = coinrun.CoinRandom
	var eps []replay.Episode
	for _, v := range []struct {
		name string
		cfg  coinrun.Config
	}{{schema.IDVariant, coinrun.DefaultConfig()}, {"random_coin", ood}} {
		meta, err := replay.NewMeta(coinrun.Name, v.name, v.cfg, envs.DefaultObsConfig(), 0, seed)
		if err != nil {
			t.Fatal(err)
		}
		ep, err := replay.Run(meta, func(int, envs.Env) (int, []float32, float32) {
			probs := make([]float32, coinrun.NumActions)
			probs[8], probs[7] = 0.8, 0.2
			return 8, probs, 1
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	return eps
}

// RunDir writes a run directory whose replays/seed-<i>.replay holds
// CoinRunPair(i) for each of seeds training seeds, and returns it with
// the episodes in file order.
func RunDir(t testing.TB, seeds int) (dir string, eps []replay.Episode) {
	t.Helper()
	dir = t.TempDir()
	for seed := range seeds {
		pair := CoinRunPair(t, seed)
		if err := replay.Write(filepath.Join(dir, "replays", fmt.Sprintf("seed-%d%s", seed, replay.Ext)), pair); err != nil {
			t.Fatal(err)
		}
		eps = append(eps, pair...)
	}
	return dir, eps
}
