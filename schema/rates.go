package schema

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// PooledSeed is the seed column of rows pooled over all training seeds.
const PooledSeed = "pooled"

// Row is one line of the failure-rate table: how often outcome ended the
// episodes of variant for one training seed (or pooled over seeds), with
// the Wilson 95% interval. The JSON field names are part of the file
// format.
type Row struct {
	Variant  string  `json:"variant"`
	Seed     string  `json:"seed"` // the training seed in decimal, or PooledSeed
	Outcome  string  `json:"outcome"`
	Episodes int     `json:"episodes"`
	Count    int     `json:"count"`
	Rate     float64 `json:"rate"` // Count / Episodes (0 when Episodes = 0)
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
}

// NewRow is the row for count of episodes, with its rate and Wilson
// interval.
func NewRow(variant, seed, outcome string, count, episodes int) Row {
	lo, hi := Wilson(count, episodes)
	rate := 0.0
	if episodes > 0 {
		rate = float64(count) / float64(episodes)
	}
	return Row{Variant: variant, Seed: seed, Outcome: outcome, Episodes: episodes, Count: count, Rate: rate, CILow: lo, CIHigh: hi}
}

// Percent renders the rate and interval in percent with one decimal,
// e.g. "70.0% [66.2, 73.5]".
func (r Row) Percent() string {
	if r.Episodes == 0 {
		return "n/a (0 episodes)"
	}
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.Rate, 100*r.CILow, 100*r.CIHigh)
}

var csvHeader = []string{"variant", "seed", "outcome", "episodes", "count", "rate", "ci_low", "ci_high"}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// WriteCSV writes rows with a header line.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, r := range rows {
		cw.Write([]string{r.Variant, r.Seed, r.Outcome, strconv.Itoa(r.Episodes), strconv.Itoa(r.Count),
			fmtFloat(r.Rate), fmtFloat(r.CILow), fmtFloat(r.CIHigh)})
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV parses a table written by WriteCSV.
func ReadCSV(r io.Reader) ([]Row, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		return nil, fmt.Errorf("failure-rate CSV: header must be %s", strings.Join(csvHeader, ","))
	}
	var out []Row
	for i, f := range recs[1:] {
		var row Row
		var errs [5]error
		row.Variant, row.Seed, row.Outcome = f[0], f[1], f[2]
		row.Episodes, errs[0] = strconv.Atoi(f[3])
		row.Count, errs[1] = strconv.Atoi(f[4])
		row.Rate, errs[2] = strconv.ParseFloat(f[5], 64)
		row.CILow, errs[3] = strconv.ParseFloat(f[6], 64)
		row.CIHigh, errs[4] = strconv.ParseFloat(f[7], 64)
		for _, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("failure-rate CSV line %d: %w", i+2, e)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// ReadRowsJSON reads a failure_rates.json file. Unknown fields are errors,
// and so is a row whose count, rate and interval disagree; errors name the
// file and row.
func ReadRowsJSON(path string) ([]Row, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rows []Row
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, r := range rows {
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("%s: row %d (%s/%s/%s): %w", path, i, r.Variant, r.Seed, r.Outcome, err)
		}
	}
	return rows, nil
}

// check reports a row whose fields disagree.
func (r Row) check() error {
	if r.Episodes < 0 || r.Count < 0 || r.Count > r.Episodes || !(r.CILow <= r.Rate && r.Rate <= r.CIHigh) {
		return fmt.Errorf("count %d of %d episodes, rate %v in [%v, %v]: inconsistent", r.Count, r.Episodes, r.Rate, r.CILow, r.CIHigh)
	}
	return nil
}
