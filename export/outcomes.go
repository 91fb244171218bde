package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"sort"
	"strconv"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
)

// outcomesHeader is the CSV header (the order is part of the format).
var outcomesHeader = []string{"seed", "variant", "level", "outcome", "steps", "return"}

// writeOutcomes writes one row per episode (columns seed, variant, level =
// the level seed, outcome, steps = the length, return), sorted by seed, variant (in
// variants order, unknown names last by name) and level. Returns are
// written with the shortest decimal that reads back exactly.
func writeOutcomes(path string, eps []schema.EpisodeRecord, variants []Variant) error {
	order := map[string]int{}
	for i, v := range variants {
		order[v.Name] = i
	}
	rank := func(name string) int {
		if i, ok := order[name]; ok {
			return i
		}
		return len(variants)
	}
	sorted := append([]schema.EpisodeRecord{}, eps...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Seed != b.Seed {
			return a.Seed < b.Seed
		}
		if ra, rb := rank(a.Variant), rank(b.Variant); ra != rb {
			return ra < rb
		}
		if a.Variant != b.Variant {
			return a.Variant < b.Variant
		}
		return a.LevelSeed < b.LevelSeed
	})
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw)
		cw.Write(outcomesHeader)
		for _, e := range sorted {
			cw.Write([]string{strconv.Itoa(e.Seed), e.Variant, strconv.FormatUint(e.LevelSeed, 10), string(e.Outcome),
				strconv.Itoa(e.Length), strconv.FormatFloat(e.Return, 'g', -1, 64)})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	})
}
