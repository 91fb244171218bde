package experiments

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
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

func newRow(variant, seed, outcome string, count, episodes int) Row {
	lo, hi := Wilson(count, episodes)
	rate := 0.0
	if episodes > 0 {
		rate = float64(count) / float64(episodes)
	}
	return Row{Variant: variant, Seed: seed, Outcome: outcome, Episodes: episodes, Count: count, Rate: rate, CILow: lo, CIHigh: hi}
}

// CountOutcomes tabulates episode records: for each variant in the given
// order that has records, a block of rows pooled over seeds followed by one
// block per training seed in increasing order; within a block one row per
// outcome in the given order, including outcomes that never occurred.
//
// A record whose variant or outcome is not listed is an error (a
// classification or bookkeeping bug, not something to hide in a table).
//
// Pooled rows treat every episode of every seed as one binomial sample;
// when seeds disagree (the maze agents' goal preference varies by seed) the
// per-seed rows show it and the pooled interval understates the spread.
func CountOutcomes(recs []EpisodeRecord, variants []string, outcomes []envs.Outcome) ([]Row, error) {
	vIndex := map[string]bool{}
	for _, v := range variants {
		vIndex[v] = true
	}
	oIndex := map[string]bool{}
	for _, o := range outcomes {
		oIndex[string(o)] = true
	}
	type vs struct {
		variant string
		seed    int
	}
	episodes := map[vs]int{}
	counts := map[vs]map[string]int{}
	for _, r := range recs {
		if !vIndex[r.Variant] {
			return nil, fmt.Errorf("episode record of variant %q: want one of %q", r.Variant, variants)
		}
		if !oIndex[string(r.Outcome)] {
			return nil, fmt.Errorf("episode record (variant %s, seed %d, level %d) has outcome %q: want one of %q", r.Variant, r.Seed, r.LevelSeed, r.Outcome, outcomes)
		}
		k := vs{r.Variant, r.Seed}
		episodes[k]++
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
		counts[k][string(r.Outcome)]++
	}
	var seedRows []Row
	for _, v := range variants {
		var seeds []int
		for k := range episodes {
			if k.variant == v {
				seeds = append(seeds, k.seed)
			}
		}
		sort.Ints(seeds)
		for _, s := range seeds {
			k := vs{v, s}
			for _, o := range outcomes {
				seedRows = append(seedRows, newRow(v, strconv.Itoa(s), string(o), counts[k][string(o)], episodes[k]))
			}
		}
	}
	return withPooled(seedRows)
}

// withPooled orders per-seed rows (variant in order of first appearance,
// seeds numerically, outcomes in order of first appearance within the
// variant) and puts a pooled block before each variant's seeds. Every row of
// one (variant, seed) must report the same episode count, and no (variant,
// seed, outcome) may repeat.
func withPooled(seedRows []Row) ([]Row, error) {
	var variants []string
	type variantData struct {
		outcomes []string
		seeds    map[string]int // seed -> episodes
		rows     map[[2]string]Row
	}
	data := map[string]*variantData{}
	for _, r := range seedRows {
		if r.Seed == PooledSeed {
			continue
		}
		if _, err := strconv.Atoi(r.Seed); err != nil {
			return nil, fmt.Errorf("table row %s/%s/%s: seed %q: want an integer or %q", r.Variant, r.Seed, r.Outcome, r.Seed, PooledSeed)
		}
		d := data[r.Variant]
		if d == nil {
			d = &variantData{seeds: map[string]int{}, rows: map[[2]string]Row{}}
			data[r.Variant] = d
			variants = append(variants, r.Variant)
		}
		if ep, ok := d.seeds[r.Seed]; ok && ep != r.Episodes {
			return nil, fmt.Errorf("table rows of variant %s seed %s disagree on episodes: %d vs %d", r.Variant, r.Seed, ep, r.Episodes)
		}
		d.seeds[r.Seed] = r.Episodes
		key := [2]string{r.Seed, r.Outcome}
		if _, dup := d.rows[key]; dup {
			return nil, fmt.Errorf("table has two rows for variant %s, seed %s, outcome %s", r.Variant, r.Seed, r.Outcome)
		}
		if !contains(d.outcomes, r.Outcome) {
			d.outcomes = append(d.outcomes, r.Outcome)
		}
		d.rows[key] = r
	}
	var out []Row
	for _, v := range variants {
		d := data[v]
		seeds := make([]string, 0, len(d.seeds))
		total := 0
		for s, ep := range d.seeds {
			seeds = append(seeds, s)
			total += ep
		}
		sort.Slice(seeds, func(i, j int) bool {
			a, _ := strconv.Atoi(seeds[i])
			b, _ := strconv.Atoi(seeds[j])
			return a < b
		})
		for _, o := range d.outcomes {
			count := 0
			for _, s := range seeds {
				count += d.rows[[2]string{s, o}].Count
			}
			out = append(out, newRow(v, PooledSeed, o, count, total))
		}
		for _, s := range seeds {
			for _, o := range d.outcomes {
				r, ok := d.rows[[2]string{s, o}]
				if !ok { // outcome never listed for this seed: it never occurred
					r = newRow(v, s, o, 0, d.seeds[s])
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// RunRows are the table rows of one run, labelled for merging.
type RunRows struct {
	Label string // e.g. "coinrun-ood@quick"; see ReadRunRows
	Rows  []Row
}

// MergeRows combines the tables of several runs into one, recomputing the
// pooled rows from the per-seed rows. Runs with the same label (shards or
// --seeds splits of one experiment) merge their seeds, and a seed present
// in two of them is an error; when the labels differ, each variant is
// prefixed with its run's label ("label/variant") so different
// experiments stay apart.
func MergeRows(runs []RunRows) ([]Row, error) {
	labels := map[string]bool{}
	for _, r := range runs {
		labels[r.Label] = true
	}
	qualify := len(labels) > 1
	var seedRows []Row
	for _, run := range runs {
		for _, r := range run.Rows {
			if r.Seed == PooledSeed {
				continue
			}
			if qualify {
				r.Variant = run.Label + "/" + r.Variant
			}
			seedRows = append(seedRows, r)
		}
	}
	return withPooled(seedRows)
}

// Table file names inside a run's tables directory.
const (
	FailureRatesMD   = "failure_rates.md"
	FailureRatesCSV  = "failure_rates.csv"
	FailureRatesJSON = "failure_rates.json"
)

// WriteTables atomically writes rows as failure_rates.{md,csv,json} in dir.
func WriteTables(dir string, rows []Row, title string) error {
	var csvBuf bytes.Buffer
	if err := WriteCSV(&csvBuf, rows); err != nil {
		return err
	}
	jsonBytes, err := json.MarshalIndent(nonNil(rows), "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{FailureRatesJSON, append(jsonBytes, '\n')},
		{FailureRatesCSV, csvBuf.Bytes()},
		{FailureRatesMD, []byte(MarkdownDocument(title, rows))},
	}
	for _, f := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(rows []Row) []Row {
	if rows == nil {
		return []Row{}
	}
	return rows
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

// ReadTableJSON reads a failure_rates.json file. Unknown fields are errors.
func ReadTableJSON(path string) ([]Row, error) {
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
	return rows, nil
}

// Markdown renders rows as a Markdown table with rates as percentages and
// their Wilson 95% intervals.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| variant | seed | outcome | episodes | count | rate (95% CI) |\n")
	b.WriteString("|---|---|---|---:|---:|---|\n")
	for _, r := range rows {
		seed := r.Seed
		if seed == PooledSeed {
			seed = "**pooled**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", r.Variant, seed, r.Outcome, r.Episodes, r.Count, FormatRate(r))
	}
	return b.String()
}

// FormatRate renders a row's rate and interval, e.g. "70.0% [66.2, 73.5]".
func FormatRate(r Row) string {
	if r.Episodes == 0 {
		return "n/a (0 episodes)"
	}
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.Rate, 100*r.CILow, 100*r.CIHigh)
}

// MarkdownDocument is the content of failure_rates.md: a title, a note on
// the method and the table.
func MarkdownDocument(title string, rows []Row) string {
	if title == "" {
		title = "Failure rates"
	}
	return "# " + title + "\n\n" +
		"Share of evaluation episodes ending in each outcome, per variant and training seed, " +
		"on held-out levels. Brackets: Wilson 95% score interval in percent. " +
		"Pooled rows treat all seeds' episodes as one sample.\n\n" + Markdown(rows)
}
