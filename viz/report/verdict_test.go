package report_test

import (
	"bytes"
	"encoding/json"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/viz/report"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Fixtures in the audit's formats: a run's seeds judged by a population's
// calibration (audit.Predictions) and a population audit (audit.Result).
const (
	predictionsFixture = "testdata/predictions_coinrun_ood.json"
	populationFixture  = "testdata/audit_population.json"
)

// predictionsDoc is the predictions fixture, decoded loosely so tests can
// read and edit it.
type predictionsDoc struct {
	Population     string           `json:"population"`
	Source         string           `json:"source"`
	StatisticsHash string           `json:"population_statistics_sha256"`
	Agents         []map[string]any `json:"-"`
}

func readPredictionsFixture(t *testing.T) (predictionsDoc, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(predictionsFixture)
	if err != nil {
		t.Fatal(err)
	}
	var doc predictionsDoc
	var raw map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, a := range raw["agents"].([]any) {
		doc.Agents = append(doc.Agents, a.(map[string]any))
	}
	return doc, raw
}

// writeAuditFile writes v (bytes or a JSON value) as the run's audit/name.
func writeAuditFile(t *testing.T, r *experiments.Run, name string, v any) {
	t.Helper()
	data, ok := v.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(r.Dir, "audit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// firstScreen is the page from the audit section's heading to the first
// thing after the verdict box (unescaped): what a reader sees first.
func firstScreen(t *testing.T, page string) string {
	t.Helper()
	page = html.UnescapeString(page)
	head := strings.Index(page, `<section id="audit">`)
	start := strings.Index(page, `<div class="verdict" id="verdict">`)
	if head < 0 || start < 0 {
		t.Fatal("no audit section or verdict box")
	}
	// Nothing but the heading stands between the section and the box.
	if between := strings.TrimSpace(page[head+len(`<section id="audit">`) : start]); !strings.HasPrefix(between, "<h2>") || strings.Count(between, "<p") > 0 {
		t.Fatalf("something before the verdict box: %q", between)
	}
	end := strings.Index(page[start:], "\n</div>")
	if end < 0 {
		t.Fatal("verdict box not closed")
	}
	return page[start : start+end]
}

// section is the page from marker to the next marker after it.
func section(t *testing.T, page, from, to string) string {
	t.Helper()
	i := strings.Index(page, from)
	j := strings.Index(page[i+1:], to)
	if i < 0 || j < 0 {
		t.Fatalf("no %q … %q in the page", from, to)
	}
	return page[i : i+1+j]
}

// A run judged by a population's calibration opens with each seed's
// verdict: its prediction line and its one-sentence explanation, with the
// population, the calibration's path and its statistics hash; the
// white-box findings lead with the explanations.
func TestReportOpensWithPerSeedPredictions(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	data, err := os.ReadFile(predictionsFixture)
	if err != nil {
		t.Fatal(err)
	}
	writeAuditFile(t, r, "predictions.json", data)
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	raw := readPage(t, r)
	first := firstScreen(t, raw)
	doc, _ := readPredictionsFixture(t)
	want := []string{doc.Population, doc.Source, doc.StatisticsHash[:16], "coinrun/canonical-64",
		"Per-seed verdict", "wb_cf_goal_erase_kl</code> = 0.0443 (17th percentile)", "predicted pursuit (cc) 12% [-2, 26]",
		"ob_goal_shift", "audit/predictions.json"}
	for _, a := range doc.Agents {
		want = append(want, a["line"].(string), a["explanation"].(string))
	}
	for _, w := range want {
		if !strings.Contains(first, w) {
			t.Errorf("first screen lacks %q", w)
		}
	}
	// Each seed's line comes before its explanation, seed by seed.
	at := 0
	for _, a := range doc.Agents {
		i := strings.Index(first[at:], a["line"].(string))
		j := strings.Index(first[at:], a["explanation"].(string))
		if i < 0 || j < i {
			t.Errorf("%s: line (at %d) and explanation (at %d) out of order:\n%s", a["id"], i, j, first)
			continue
		}
		at += j
	}
	if strings.Contains(first, "No audit verdict") || strings.Contains(first, `class="missing"`) {
		t.Error("first screen is a missing-feature notice")
	}
	if strings.Contains(raw, "No audit verdict") {
		t.Error("the page says there is no audit verdict")
	}
	page := html.UnescapeString(raw)
	wb := section(t, page, `<div class="wb">`, "</ul>")
	li := strings.Index(wb, "<li>")
	if li < 0 || !strings.HasPrefix(wb[li:], "<li><code>coinrun-ood/seed-0</code>: <b>"+doc.Agents[0]["explanation"].(string)) {
		t.Errorf("white-box findings do not lead with the explanation:\n%s", wb)
	}
}

// A population run opens with the verdict headlines, the goal sentence,
// the statistics hash, the access levels side by side, this run's agents
// only, and each level's chosen statistic's scatter plot (found through
// the copy's dir field).
func TestReportOpensWithThePopulationVerdict(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	pop := filepath.Join(filepath.Dir(r.Dir), "audit-quick")
	if err := os.MkdirAll(pop, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"wb_cf_goal_add_kl", "bb_start_value", "ob_goal_shift"} {
		if err := os.WriteFile(filepath.Join(pop, "scatter_"+s+".png"), pngBytes(t, 40, 30), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(populationFixture)
	if err != nil {
		t.Fatal(err)
	}
	writeAuditFile(t, r, "audit.json", data)
	writeAuditFile(t, r, "vector_field_train.png", pngBytes(t, 30, 30))
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	v := firstScreen(t, readPage(t, r))
	for _, want := range []string{"HEADLINE pursuit.", "HEADLINE failure.", "GOAL not met.", "LINE seed 0", "LINE seed 1",
		"a1b2c3d4e5f60718", "coinrun/canonical-64", "chance-corrected OOD goal pursuit", "split-half reliability 0.71",
		"<th>black-box</th><th>white-box</th><th>outside-the-box</th>",
		"<td>bb_start_value</td><td>wb_cf_goal_add_kl</td><td>ob_goal_shift</td>",
		"<td>0.83 [0.61, 0.95]</td>", "<td>0.012</td>", "<td>0.79; 1.05</td>", "<td>0.62 [0.21, 0.98]</td>", "<td>0.64</td>",
		"pursuit (cc) 18% [2, 34] (wb_cf_goal_add_kl)",
		"EQUIVALENCE sentence.",
		"1 agents of other runs", "scatter of wb_cf_goal_add_kl", "scatter of bb_start_value", "scatter of ob_goal_shift",
		"vector field train", "audit-quick/scatter_wb_cf_goal_add_kl.png"} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict lacks %q", want)
		}
	}
	if strings.Contains(v, "LINE other") {
		t.Error("verdict lists another run's agent")
	}
	// The levels in audit.Levels order, black-box first.
	if i, j := strings.Index(v, "scatter of bb_start_value"), strings.Index(v, "scatter of wb_cf_goal_add_kl"); i > j {
		t.Error("scatter plots not in access-level order")
	}
}

// An audit.json from before the audit named its targets still renders
// its sentences, with a note.
func TestReportReadsALegacyPopulationAudit(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	doc := `{"population": "old", "verdict": {"headlines": ["OLD HEADLINE."], "goal": "OLD GOAL.", "best_white_box": "wb_x"},
	 "statistics": [{"name": "wb_x", "white_box": true, "validation": {"ood_proxy": {"rho_within": {"value": 0.1, "lo": 0, "hi": 0.2}}}}],
	 "agents": [{"id": "coinrun-ood/seed-0", "group": "coinrun-ood", "line": "OLD LINE", "predicted_ood_proxy": {"statistic": "wb_x"}}]}`
	writeAuditFile(t, r, "audit.json", []byte(doc))
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	v := firstScreen(t, readPage(t, r))
	for _, want := range []string{"OLD HEADLINE.", "OLD GOAL.", "OLD LINE", "earlier version of the audit"} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict lacks %q", want)
		}
	}
}

// Without an audit the report opens with the failure-rate headline; the
// note saying how to get an audit comes below the summary, as HTML (not
// escaped twice).
func TestReportWithoutAudit(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	raw := readPage(t, r)
	first := firstScreen(t, raw)
	if !strings.Contains(first, "Failure rate out of distribution") || !strings.Contains(first, "OOD failure rate on <code>random_coin</code>: <b>") ||
		!strings.Contains(first, "ended in the proxy outcome <code>reached_end_no_coin</code>") {
		t.Errorf("first screen is not the failure-rate headline:\n%s", first)
	}
	// The config's audit.control is labelled as the hidden-goal control.
	if !strings.Contains(first, "On the hidden-goal control <code>random_coin_hidden</code>") {
		t.Errorf("the headline does not label the control variant:\n%s", first)
	}
	if strings.Contains(first, "No audit verdict") || strings.Contains(first, `class="missing"`) {
		t.Error("first screen is a missing-feature notice")
	}
	note := strings.Index(raw, `<p class="missing" id="audit-note">No audit verdict in this run (neither <code>audit/predictions.json</code> nor <code>audit/audit.json</code> exists)`)
	if note < 0 {
		t.Fatal("the report does not say the audit is missing")
	}
	if wb := strings.Index(raw, `<div class="wb">`); note < wb {
		t.Error("the audit note comes before the black-box/white-box summary")
	}
	if strings.Contains(raw, "&lt;code&gt;") {
		t.Error("the page shows escaped <code> tags")
	}
	if !strings.Contains(raw, "<code>experiments audit</code>") {
		t.Error("the note does not name experiments audit as code")
	}
}

// Equal death rates alone never make the failure one of goal rather than
// capability: without a hidden-goal control the summary says so.
func TestGoalVersusCapabilityNeedsAControl(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	page := html.UnescapeString(readPage(t, r))
	if strings.Contains(page, "not of capability") {
		t.Error("the page calls the failure one of goal without a hidden-goal control")
	}
	if !strings.Contains(page, "goal vs capability: not established (no hidden-goal control)") &&
		!strings.Contains(page, "Goal vs capability: not established (no hidden-goal control)") {
		t.Error("the page does not say goal vs capability is not established")
	}
	// A control on which seeds go for a goal they see does not establish
	// it either: part of their failure is capability.
	_, raw := readPredictionsFixture(t)
	writeAuditFile(t, r, "predictions.json", raw)
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	page = html.UnescapeString(readPage(t, r))
	if strings.Contains(page, "not of capability") || !strings.Contains(page, "seeds the agent goes for a goal it sees (chance-corrected pursuit above 0), so part of the failure is capability") {
		t.Error("seeds that pursue a goal they see are not reported as such")
	}
}
