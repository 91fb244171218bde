package tables

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/misgen/misgen/schema"
)

// SweepSeries turns the tables of a numeric sweep's runs (their Point is
// "<key>=<number>", one key for all) into chart series: for every variant
// and each of outcomes, the pooled rate with its Wilson interval against
// the swept value, in increasing value order. It returns the swept key for
// the axis label. Runs of one point (shards, seed splits) must be merged
// first; two runs with the same point are an error, as are runs without a
// point, with different keys or with a non-numeric value. Variant–outcome
// pairs that no run reports are left out.
func SweepSeries(runs []RunRows, outcomes []string) (string, []schema.Series, error) {
	type point struct {
		x    float64
		rows []schema.Row
	}
	var key string
	var pts []point
	seen := map[float64]bool{}
	for _, r := range runs {
		k, v, ok := strings.Cut(r.Point, "=")
		x, err := strconv.ParseFloat(v, 64)
		switch {
		case !ok || err != nil:
			return "", nil, fmt.Errorf("run %s: sweep point %q: want <key>=<number>", r.Label, r.Point)
		case key != "" && k != key:
			return "", nil, fmt.Errorf("run %s sweeps %s, others %s: plot one sweep at a time", r.Label, k, key)
		case seen[x]:
			return "", nil, fmt.Errorf("two runs at sweep point %s: merge shards and seed splits first", r.Point)
		}
		key, seen[x] = k, true
		pts = append(pts, point{x, r.Rows})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	var series []schema.Series
	index := map[string]int{}
	for _, p := range pts {
		for _, r := range p.rows {
			if r.Seed != schema.PooledSeed || !contains(outcomes, r.Outcome) {
				continue
			}
			name := r.Variant + " " + r.Outcome
			i, ok := index[name]
			if !ok {
				i = len(series)
				index[name] = i
				series = append(series, schema.Series{Label: name, Low: []float64{}, High: []float64{}})
			}
			sr := &series[i]
			sr.X, sr.Y = append(sr.X, p.x), append(sr.Y, r.Rate)
			sr.Low, sr.High = append(sr.Low, r.CILow), append(sr.High, r.CIHigh)
		}
	}
	return key, series, nil
}
