package report

import (
	"errors"
	"io/fs"

	"github.com/misgen/misgen/schema"
)

// readRates reads the failure-rate table; a missing file gives nil rows.
func readRates(path string) ([]schema.Row, error) {
	rows, err := schema.ReadRowsJSON(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return rows, err
}

// rateTable is the failure-rate rows arranged for display and lookup.
type rateTable struct {
	Rows     []schema.Row
	Variants []string // in table order
	Outcomes []string // in table order (union over variants)
}

func newRateTable(rows []schema.Row) *rateTable {
	t := &rateTable{Rows: rows}
	seenV, seenO := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if !seenV[r.Variant] {
			seenV[r.Variant] = true
			t.Variants = append(t.Variants, r.Variant)
		}
		if !seenO[r.Outcome] {
			seenO[r.Outcome] = true
			t.Outcomes = append(t.Outcomes, r.Outcome)
		}
	}
	return t
}

// Find returns the row of (variant, seed, outcome).
func (t *rateTable) Find(variant, seed, outcome string) (schema.Row, bool) {
	for _, r := range t.Rows {
		if r.Variant == variant && r.Seed == seed && r.Outcome == outcome {
			return r, true
		}
	}
	return schema.Row{}, false
}

// Seeds lists the per-seed rows' seeds of variant in table order.
func (t *rateTable) Seeds(variant string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range t.Rows {
		if r.Variant == variant && r.Seed != schema.PooledSeed && !seen[r.Seed] {
			seen[r.Seed] = true
			out = append(out, r.Seed)
		}
	}
	return out
}

// tableRow is one (variant, seed) line of the displayed table: one cell
// per outcome.
type tableRow struct {
	Variant, Seed string
	Pooled        bool
	FirstOfGroup  bool // first line of its variant
	Episodes      int
	Cells         []tableCell
}

// tableCell is one outcome's rate; Role is "success" or "proxy" when the
// outcome is the game's success or proxy outcome.
type tableCell struct {
	Rate    schema.Row
	Present bool
	Role    string
}

// Lines arranges the rows wide: per variant the pooled line, then one
// line per seed; per line one cell per outcome.
func (t *rateTable) Lines(r roles) []tableRow {
	var out []tableRow
	for _, v := range t.Variants {
		seeds := append([]string{schema.PooledSeed}, t.Seeds(v)...)
		for i, s := range seeds {
			line := tableRow{Variant: v, Seed: s, Pooled: s == schema.PooledSeed, FirstOfGroup: i == 0}
			any := false
			for _, o := range t.Outcomes {
				row, ok := t.Find(v, s, o)
				c := tableCell{Rate: row, Present: ok}
				switch {
				case !r.Known:
				case o == r.Success:
					c.Role = "success"
				case o == r.Proxy:
					c.Role = "proxy"
				}
				if ok {
					line.Episodes = row.Episodes
					any = true
				}
				line.Cells = append(line.Cells, c)
			}
			if any {
				out = append(out, line)
			}
		}
	}
	return out
}
