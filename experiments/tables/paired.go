package tables

import (
	"fmt"
	"sort"
	"strings"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// Paired-variant table files under tables/.
const (
	PairedJSON = "paired.json"
	PairedMD   = "paired.md"
)

// pairedIters and pairedSeed fix the paired bootstrap of the table, so a
// re-run writes the same intervals.
const (
	pairedIters = 2000
	pairedSeed  = 1
)

// PairedVariants compares every two variants, in the given order, whose
// records cover exactly the same (seed, level) units, e.g. an OOD variant
// and a control that plays its levels with one thing changed. Variants on
// different levels are not compared (their difference would mix level
// difficulty into it), nor is a variant that played one unit twice (it
// has no single outcome per unit to pair).
func PairedVariants(recs []schema.EpisodeRecord, variants []string, success envs.Outcome) []schema.PairedRow {
	byVariant := unitOutcomes(recs, success)
	var rows []schema.PairedRow
	for i, a := range variants {
		for _, b := range variants[i+1:] {
			base, treated, ok := sameUnits(byVariant[a], byVariant[b])
			if !ok {
				continue
			}
			rows = append(rows, schema.PairedRow{A: a, B: b, Outcome: string(success),
				Diff: schema.PairedDifference(stats.ComparePairedRates(base, treated, pairedIters, pairedSeed))})
		}
	}
	return rows
}

// unit is one (training seed, level) of a variant's evaluation.
type unit struct {
	seed  int
	level uint64
}

// unitOutcomes maps each variant's units to whether the episode ended in
// the success outcome. A variant that played a unit twice maps to nil.
func unitOutcomes(recs []schema.EpisodeRecord, success envs.Outcome) map[string]map[unit]bool {
	out := map[string]map[unit]bool{}
	repeated := map[string]bool{}
	for _, r := range recs {
		m := out[r.Variant]
		if m == nil {
			m = map[unit]bool{}
			out[r.Variant] = m
		}
		u := unit{r.Seed, r.LevelSeed}
		if _, dup := m[u]; dup {
			repeated[r.Variant] = true
		}
		m[u] = r.Outcome == success
	}
	for v := range repeated {
		out[v] = nil
	}
	return out
}

// sameUnits lines up two variants' outcomes unit by unit (sorted by seed,
// then level) when both cover the same non-empty set of units.
func sameUnits(a, b map[unit]bool) (base, treated []bool, ok bool) {
	if len(a) == 0 || len(a) != len(b) {
		return nil, nil, false
	}
	units := make([]unit, 0, len(a))
	for u := range a {
		if _, in := b[u]; !in {
			return nil, nil, false
		}
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool {
		if units[i].seed != units[j].seed {
			return units[i].seed < units[j].seed
		}
		return units[i].level < units[j].level
	})
	for _, u := range units {
		base, treated = append(base, a[u]), append(treated, b[u])
	}
	return base, treated, true
}

// PairedFiles are paired.{md,json} of rows (PairedVariants), none
// without a comparable pair; title heads the Markdown.
func PairedFiles(rows []schema.PairedRow, title string) (Files, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	js, err := schema.EncodeJSON(rows)
	if err != nil {
		return nil, err
	}
	return Files{PairedJSON: js, PairedMD: []byte(pairedMarkdown(rows, title))}, nil
}

func pairedMarkdown(rows []schema.PairedRow, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nVariants played on the same levels by the same agents, compared level by level on reaching the true goal (%s). "+
		"Δ is B − A in percentage points with a paired-bootstrap 95%% interval (%d resamples of the (seed, level) units); "+
		"A only and B only count the units that reached the goal in one variant and not the other; p is McNemar's exact test.\n\n",
		title, rows[0].Outcome, pairedIters)
	b.WriteString("| A | B | units | goal in A | goal in B | Δ (B − A) [95% CI] | A only | B only | p |\n|---|---|---:|---:|---:|---|---:|---:|---:|\n")
	for _, r := range rows {
		d := r.Diff
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f%% | %.1f%% | %+.1f [%+.1f, %+.1f] | %d | %d | %.2g |\n",
			r.A, r.B, d.N, 100*d.Base, 100*d.Treated, 100*d.Delta, 100*d.Lo, 100*d.Hi, d.Down, d.Up, d.P)
	}
	return b.String()
}
