package report_test

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/report"
)

// cellPattern matches one failure-table cell with its data attributes and
// text.
var cellPattern = regexp.MustCompile(`<td class="rate[^"]*" data-variant="([^"]*)" data-seed="([^"]*)" data-outcome="([^"]*)" data-episodes="(\d+)" data-count="(\d+)" data-rate="([^"]*)" data-ci-low="([^"]*)" data-ci-high="([^"]*)">(.*?)</td>`)

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// tableCells parses the failure table of a report page into rows keyed
// variant/seed/outcome, with the cell's visible text.
func tableCells(t *testing.T, page string) map[string]struct {
	Row  schema.Row
	Text string
} {
	t.Helper()
	out := map[string]struct {
		Row  schema.Row
		Text string
	}{}
	for _, m := range cellPattern.FindAllStringSubmatch(page, -1) {
		var r schema.Row
		r.Variant, r.Seed, r.Outcome = html.UnescapeString(m[1]), m[2], html.UnescapeString(m[3])
		r.Episodes, _ = strconv.Atoi(m[4])
		r.Count, _ = strconv.Atoi(m[5])
		var err error
		for i, p := range []*float64{&r.Rate, &r.CILow, &r.CIHigh} {
			if *p, err = strconv.ParseFloat(m[6+i], 64); err != nil {
				t.Fatalf("cell %s/%s/%s: %v", r.Variant, r.Seed, r.Outcome, err)
			}
		}
		text := html.UnescapeString(tagPattern.ReplaceAllString(m[9], " "))
		out[r.Variant+"/"+r.Seed+"/"+r.Outcome] = struct {
			Row  schema.Row
			Text string
		}{r, strings.Join(strings.Fields(text), " ")}
	}
	return out
}

func readPage(t *testing.T, r *experiments.Run) string {
	t.Helper()
	data, err := os.ReadFile(r.Report())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The table in the page holds exactly the rows of failure_rates.json, with
// the text `experiments table` prints for each rate.
func TestReportTableMatchesFailureRates(t *testing.T) {
	r := sharedCompleteRun(t)
	page := readPage(t, r)
	rows, err := schema.ReadRowsJSON(r.FailureRatesJSON())
	if err != nil {
		t.Fatal(err)
	}
	cells := tableCells(t, page)
	if len(cells) != len(rows) || len(rows) == 0 {
		t.Fatalf("page has %d table cells, failure_rates.json %d rows", len(cells), len(rows))
	}
	printed := tables.Markdown(rows)
	for i, row := range rows {
		c, ok := cells[row.Variant+"/"+row.Seed+"/"+row.Outcome]
		if !ok {
			t.Errorf("row %d (%s/%s/%s) missing from the page", i, row.Variant, row.Seed, row.Outcome)
			continue
		}
		if c.Row != row {
			t.Errorf("row %d: page %+v, file %+v", i, c.Row, row)
		}
		want := row.Percent()
		if !strings.HasPrefix(strings.ReplaceAll(c.Text, "% [", "% ["), want) || !strings.Contains(printed, want) {
			t.Errorf("row %d: cell text %q, `experiments table` prints %q", i, c.Text, want)
		}
		if !strings.Contains(c.Text, strconv.Itoa(row.Count)+"/"+strconv.Itoa(row.Episodes)) {
			t.Errorf("row %d: cell text %q lacks %d/%d", i, c.Text, row.Count, row.Episodes)
		}
	}
}

// The page loads nothing from outside: no scripts, links or non-data
// sources, and a CSP that forbids them.
func TestReportSelfContained(t *testing.T) {
	r := sharedCompleteRun(t)
	page := readPage(t, r)
	for _, bad := range []string{"<script", "<link", "@import", "url(", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	srcs := regexp.MustCompile(`src="([^"]*)"`).FindAllStringSubmatch(page, -1)
	var gifs, pngs int
	for _, m := range srcs {
		switch {
		case strings.HasPrefix(m[1], "data:image/gif;base64,"):
			gifs++
		case strings.HasPrefix(m[1], "data:image/png;base64,"):
			pngs++
		default:
			t.Errorf("image source %.60q is not an inline PNG or GIF", m[1])
		}
	}
	// Learning curves, bar chart, eigenvector; ID success and OOD failure.
	if pngs != 3 || gifs != 2 {
		t.Errorf("%d inline PNGs and %d GIFs, want 3 and 2", pngs, gifs)
	}
	if !strings.Contains(page, "default-src 'none'") {
		t.Error("no Content-Security-Policy")
	}
}

// The audit summary quotes the table's own numbers and the interp files'.
func TestAuditSummaryFromRunNumbers(t *testing.T) {
	r := sharedCompleteRun(t)
	page := html.UnescapeString(readPage(t, r))
	rows, err := schema.ReadRowsJSON(r.FailureRatesJSON())
	if err != nil {
		t.Fatal(err)
	}
	find := func(v, o string) schema.Row {
		for _, row := range rows {
			if row.Variant == v && row.Seed == schema.PooledSeed && row.Outcome == o {
				return row
			}
		}
		t.Fatalf("no pooled row %s/%s", v, o)
		return schema.Row{}
	}
	id, ood := find("train", "coin"), find("random_coin", "reached_end_no_coin")
	start := strings.Index(page, `id="audit"`)
	end := strings.Index(page, `id="setup"`)
	if start < 0 || end < start {
		t.Fatal("no audit section before the setup section")
	}
	summary := page[start:end]
	for _, want := range []string{
		"<b>" + id.Percent() + "</b>",
		"<b>" + ood.Percent() + "</b>",
		strconv.Itoa(ood.Episodes) + " episodes",
		// From summary.json (written by the fake interp stage from the
		// OOD proxy count k: k/5 after the ablation, k-1 after the goal
		// vector, whose Holm p of 0.9 keeps it out of the findings).
		fmt.Sprintf("moved the proxy outcome %.1f%% → %.1f%%", 100*float64(ood.Count)/float64(ood.Episodes), 100*float64(ood.Count/5)/float64(ood.Episodes)),
		"Holm p 0.002",
		"chosen on the selection levels [100, 200) and tested on the disjoint test levels [200, 300)",
		"<b>goal-specific</b> latent 4 (<code>goal_visible</code>, partial r +0.22 given <code>proxy_near</code>, p 0.01)",
		"<b>proxy-specific</b> latent 17 (<code>proxy_near</code>, partial r +0.81 given <code>goal_near</code>, p 0.005)",
		"MDL chose <code>local-256-L016</code>: 156 bits per activation at L0 16",
		"in 1 of 1 pairs",
		"61.0% of OOD steps lie in a polytope the in-distribution episodes visited, against 80.0%",
		"top eigenvalue 2.5, top 3 carry 100.0% of Σ|λ|",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("audit summary lacks %q", want)
		}
	}
	if strings.Contains(summary, "not available in this run") {
		t.Errorf("audit summary of a complete run says something is not available:\n%s", summary)
	}
}

// proportion is k of n as a table row, for formatting expected rates.
func proportion(k, n int) schema.Row {
	lo, hi := schema.Wilson(k, n)
	return schema.Row{Count: k, Episodes: n, Rate: float64(k) / float64(n), CILow: lo, CIHigh: hi}
}

// withCounts formats k of n as the audit summary quotes an intervention
// rate: the table's format followed by the counts.
func withCounts(k, n int) string {
	return fmt.Sprintf("%s (%d/%d)", proportion(k, n).Percent(), k, n)
}

// A run with nothing but its config still gets a report whose sections
// say what is missing.
func TestReportWithMissingInputs(t *testing.T) {
	r := fakeRun{Episodes: 10}.build(t)
	page := html.UnescapeString(readPage(t, r))
	for _, want := range []string{
		"No training logs were found in logs",
		"No failure-rate table (tables/failure_rates.json)",
		"No replays were found in replays/",
		"Not available in this run: interp/ holds no interpretability outputs",
		"Not available in this run: there is no failure-rate table",
		"coinrun-ood", // setup still from resolved.toml
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<img") {
		t.Error("page of a run without outputs has images")
	}
}

// Eval without interp: the black-box half is filled, the white-box half
// says it is not available.
func TestReportInterpDisabled(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	page := html.UnescapeString(readPage(t, r))
	if !strings.Contains(page, "Not available in this run: <code>interp/</code> holds no outputs") {
		t.Error("white-box summary does not say interp is missing")
	}
	if !strings.Contains(page, "Out of distribution (<code>random_coin</code>") {
		t.Error("black-box summary missing")
	}
}

// A file that exists but cannot be parsed fails the report with its name.
func TestReportCorruptInputs(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Interp: true, Episodes: 5}.build(t)
	cases := []struct {
		path, content string
	}{
		{filepath.Join(r.Interp(), "polytope_stats.json"), `{"codes": [1, 2,`},
		{r.FailureRatesJSON(), `[{"variant": "train", "bogus": 1}]`},
		{r.TrainLog(0), "{\"update\": 1}\nnot json\n{\"update\": 3}\n"},
		{filepath.Join(r.Dir, "manifest.json"), `{"tool": `},
		{r.ResolvedConfig(), "[experiment\nname = "},
		{filepath.Join(r.Interp(), schema.InterpSummaryJSON), `{"name": "not a summary"}`},
		{filepath.Join(r.Interp(), schema.InterpSummaryJSON), `{"layers": [{"site": "fc", "saes": "not a list"}]}`},
		{filepath.Join(r.Replays(), "seed-0.train.replay"), "MISGENRP\x01\x00\x00\x00garbage"},
		{r.PredictionsJSON(), `{"agents": [{"id": "x", "by_level": []}]}`},
		{r.AuditJSON(), `{"targets": ["ood_proxy"], "families": {}}`},
	}
	for i, c := range cases {
		old, err := os.ReadFile(c.path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		err = report.Write(r.Dir)
		if err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("case %d: corrupt %s: error %v, want one naming the file", i, c.path, err)
		}
		if old != nil {
			err = os.WriteFile(c.path, old, 0o644)
		} else {
			err = os.Remove(c.path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := report.Write(r.Dir); err != nil {
		t.Errorf("restored inputs: %v", err)
	}
}
