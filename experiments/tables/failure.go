package tables

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

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
func CountOutcomes(recs []schema.EpisodeRecord, variants []string, outcomes []envs.Outcome) ([]schema.Row, error) {
	oIndex := map[string]bool{}
	var names []string
	for _, o := range outcomes {
		oIndex[string(o)] = true
		names = append(names, string(o))
	}
	return tally(recs, variants, names, func(r schema.EpisodeRecord) (string, bool, error) {
		if !oIndex[string(r.Outcome)] {
			return "", false, fmt.Errorf("episode record (variant %s, seed %d, level %d) has outcome %q: want one of %q", r.Variant, r.Seed, r.LevelSeed, r.Outcome, outcomes)
		}
		return string(r.Outcome), true, nil
	})
}

// tally counts records per (variant, seed) into one row per category in
// the given order, with the pooled block per variant (withPooled).
// classify returns a record's category ("" for none of them: the record
// counts as an episode only) and whether the record counts at all. A
// record of a variant not listed is an error.
func tally(recs []schema.EpisodeRecord, variants, categories []string, classify func(schema.EpisodeRecord) (string, bool, error)) ([]schema.Row, error) {
	vIndex := map[string]bool{}
	for _, v := range variants {
		vIndex[v] = true
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
		cat, ok, err := classify(r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		k := vs{r.Variant, r.Seed}
		episodes[k]++
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
		counts[k][cat]++
	}
	var seedRows []schema.Row
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
			for _, c := range categories {
				seedRows = append(seedRows, schema.NewRow(v, strconv.Itoa(s), c, counts[k][c], episodes[k]))
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
func withPooled(seedRows []schema.Row) ([]schema.Row, error) {
	var variants []string
	type variantData struct {
		outcomes []string
		seeds    map[string]int // seed -> episodes
		rows     map[[2]string]schema.Row
	}
	data := map[string]*variantData{}
	for _, r := range seedRows {
		if r.Seed == schema.PooledSeed {
			continue
		}
		if _, err := strconv.Atoi(r.Seed); err != nil {
			return nil, fmt.Errorf("table row %s/%s/%s: seed %q: want an integer or %q", r.Variant, r.Seed, r.Outcome, r.Seed, schema.PooledSeed)
		}
		d := data[r.Variant]
		if d == nil {
			d = &variantData{seeds: map[string]int{}, rows: map[[2]string]schema.Row{}}
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
	var out []schema.Row
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
			out = append(out, schema.NewRow(v, schema.PooledSeed, o, count, total))
		}
		for _, s := range seeds {
			for _, o := range d.outcomes {
				r, ok := d.rows[[2]string{s, o}]
				if !ok { // outcome never listed for this seed: it never occurred
					r = schema.NewRow(v, s, o, 0, d.seeds[s])
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
	Label string // e.g. "coinrun-ood@quick"; see experiments.ReadRunRows
	// Point is the run's sweep point, e.g. "random_coin_prob=0.02"; ""
	// for a run without a sweep.
	Point string
	Rows  []schema.Row
	// Success and Proxy name the game's success and proxy outcomes (""
	// when the run's game is unknown), for colouring plots.
	Success, Proxy envs.Outcome
}

// MergeRows combines the tables of several runs into one, recomputing the
// pooled rows from the per-seed rows. Runs with the same label (shards or
// --seeds splits of one experiment) merge their seeds, and a seed present
// in two of them is an error; when the labels differ, each variant is
// prefixed with its run's label ("label/variant") so different
// experiments stay apart.
func MergeRows(runs []RunRows) ([]schema.Row, error) {
	labels := map[string]bool{}
	for _, r := range runs {
		labels[r.Label] = true
	}
	qualify := len(labels) > 1
	var seedRows []schema.Row
	for _, run := range runs {
		for _, r := range run.Rows {
			if r.Seed == schema.PooledSeed {
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

// Files are the files of one table, content by file name (e.g.
// failure_rates.md), for the pipeline to write into a directory. A table
// with nothing to show has none.
type Files map[string][]byte

// FailureFiles are failure_rates.{md,csv,json} of rows; title heads the
// Markdown (see MarkdownDocument).
func FailureFiles(rows []schema.Row, title string) (Files, error) {
	return rowFiles("failure_rates", rows, MarkdownDocument(title, rows))
}

// rowFiles are rows as <base>.json and <base>.csv and the Markdown
// document md as <base>.md.
func rowFiles(base string, rows []schema.Row, md string) (Files, error) {
	var csvBuf bytes.Buffer
	if err := schema.WriteCSV(&csvBuf, rows); err != nil {
		return nil, err
	}
	jsonBytes, err := schema.EncodeJSON(nonNil(rows))
	if err != nil {
		return nil, err
	}
	return Files{base + ".json": jsonBytes, base + ".csv": csvBuf.Bytes(), base + ".md": []byte(md)}, nil
}

func nonNil(rows []schema.Row) []schema.Row {
	if rows == nil {
		return []schema.Row{}
	}
	return rows
}

// Markdown renders rows as a Markdown table with rates as percentages and
// their Wilson 95% intervals.
func Markdown(rows []schema.Row) string {
	var b strings.Builder
	b.WriteString("| variant | seed | outcome | episodes | count | rate (95% CI) |\n")
	b.WriteString("|---|---|---|---:|---:|---|\n")
	for _, r := range rows {
		seed := r.Seed
		if seed == schema.PooledSeed {
			seed = "**pooled**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", r.Variant, seed, r.Outcome, r.Episodes, r.Count, r.Percent())
	}
	return b.String()
}

// MarkdownDocument is the content of failure_rates.md: a title, a note on
// the method and the table.
func MarkdownDocument(title string, rows []schema.Row) string {
	if title == "" {
		title = "Failure rates"
	}
	return "# " + title + "\n\n" +
		"Share of evaluation episodes ending in each outcome, per variant and training seed, " +
		"on held-out levels. Brackets: Wilson 95% score interval in percent. " +
		"Pooled rows treat all seeds' episodes as one sample.\n\n" + Markdown(rows)
}
