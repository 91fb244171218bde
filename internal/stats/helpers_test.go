package stats

import "math/rand/v2"

// population draws a clustered population: nc clusters of m units, y =
// slope·x + cluster effect·shift + noise, with fixed seed.
func population(seed uint64, nc, m int, slope, shift, noise float64) (x, y []float64, clusters []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for c := range nc {
		off := rng.NormFloat64()
		for range m {
			xi := rng.NormFloat64() + off
			x = append(x, xi)
			y = append(y, slope*xi+shift*off+noise*rng.NormFloat64())
			clusters = append(clusters, c)
		}
	}
	return x, y, clusters
}

func meanStat(v []float64) func(idx []int) float64 {
	return func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += v[i]
		}
		return s / float64(len(idx))
	}
}
