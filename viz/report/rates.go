package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// PooledSeed is the seed of rows pooled over training seeds (as in package
// experiments).
const PooledSeed = "pooled"

// Rate is one row of tables/failure_rates.json: how often outcome ended
// the episodes of variant for one training seed (or pooled), with the
// Wilson 95% interval. The field names are the file format of package
// experiments (experiments.Row); unknown fields are errors.
type Rate struct {
	Variant  string  `json:"variant"`
	Seed     string  `json:"seed"`
	Outcome  string  `json:"outcome"`
	Episodes int     `json:"episodes"`
	Count    int     `json:"count"`
	Rate     float64 `json:"rate"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
}

// Percent renders the rate and interval in percent with one decimal, e.g.
// "70.0% [66.2, 73.5]", the format of `experiments table`.
func (r Rate) Percent() string {
	if r.Episodes == 0 {
		return "n/a (0 episodes)"
	}
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.Rate, 100*r.CILow, 100*r.CIHigh)
}

// readRates reads the failure-rate table; a missing file gives nil rows.
func readRates(path string) ([]Rate, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rows []Rate
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, r := range rows {
		if r.Episodes < 0 || r.Count < 0 || r.Count > r.Episodes || !(r.CILow <= r.Rate && r.Rate <= r.CIHigh) {
			return nil, fmt.Errorf("%s: row %d (%s/%s/%s): count %d of %d episodes, rate %v in [%v, %v]: inconsistent",
				path, i, r.Variant, r.Seed, r.Outcome, r.Count, r.Episodes, r.Rate, r.CILow, r.CIHigh)
		}
	}
	return rows, nil
}

// rateTable is the failure-rate rows arranged for display and lookup.
type rateTable struct {
	Rows     []Rate
	Variants []string // in table order
	Outcomes []string // in table order (union over variants)
}

func newRateTable(rows []Rate) *rateTable {
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
func (t *rateTable) Find(variant, seed, outcome string) (Rate, bool) {
	for _, r := range t.Rows {
		if r.Variant == variant && r.Seed == seed && r.Outcome == outcome {
			return r, true
		}
	}
	return Rate{}, false
}

// Seeds lists the per-seed rows' seeds of variant in table order.
func (t *rateTable) Seeds(variant string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range t.Rows {
		if r.Variant == variant && r.Seed != PooledSeed && !seen[r.Seed] {
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
	Rate    Rate
	Present bool
	Role    string
}

// Lines arranges the rows wide: per variant the pooled line, then one
// line per seed; per line one cell per outcome.
func (t *rateTable) Lines(r roles) []tableRow {
	var out []tableRow
	for _, v := range t.Variants {
		seeds := append([]string{PooledSeed}, t.Seeds(v)...)
		for i, s := range seeds {
			line := tableRow{Variant: v, Seed: s, Pooled: s == PooledSeed, FirstOfGroup: i == 0}
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
