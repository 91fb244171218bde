package schema

import "github.com/misgen/misgen/internal/stats"

// Wilson is stats.Wilson, the Wilson score 95% interval for k successes in n
// trials. Unlike the normal (Wald) interval it stays inside [0, 1] and has
// sensible width at k = 0 and k = n, which matter here: a failure that never
// occurs in 200 episodes still gets an upper bound near 1.9%.
//
// For n = 0 there is no information and the interval is [0, 1]. Wilson
// panics if k < 0, n < 0 or k > n (programmer error).
func Wilson(k, n int) (lo, hi float64) {
	if k < 0 || n < 0 || k > n {
		panic("schema: Wilson with k outside [0, n]")
	}
	return stats.Wilson(k, n)
}
