package report_test

import (
	"bytes"
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

// The verdict opens the report: the population sentences, this run's
// agents only, the chosen statistic's scatter plot (found through the
// copy's dir field) and the vector fields.
func TestReportOpensWithTheAuditVerdict(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	pop := filepath.Join(filepath.Dir(r.Dir), "audit-quick")
	if err := os.MkdirAll(pop, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pop, "scatter_wb_cf_goal_add_kl.png"), pngBytes(t, 40, 30), 0o644); err != nil {
		t.Fatal(err)
	}
	auditDir := filepath.Join(r.Dir, "audit")
	os.MkdirAll(auditDir, 0o755)
	os.WriteFile(filepath.Join(auditDir, "vector_field_train.png"), pngBytes(t, 30, 30), 0o644)
	doc := `{"population": "coinrun-ood (quick)", "dir": "../../audit-quick",
	 "verdict": {"headlines": ["HEADLINE pursuit.", "HEADLINE failure."], "goal": "GOAL not met.", "best_white_box": "wb_cf_goal_add_kl"},
	 "agents": [{"id": "coinrun-ood/seed-0", "group": "coinrun-ood", "line": "LINE seed 0"},
	            {"id": "other/seed-0", "group": "other", "line": "LINE other"},
	            {"id": "coinrun-ood/seed-1", "group": "coinrun-ood", "line": "LINE seed 1"}]}`
	if err := os.WriteFile(filepath.Join(auditDir, "audit.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(readPage(t, r))
	start, setup := strings.Index(page, `id="verdict"`), strings.Index(page, `id="setup"`)
	if start < 0 || setup < start {
		t.Fatal("no verdict before the setup section")
	}
	v := page[start:setup]
	for _, want := range []string{"HEADLINE pursuit.", "HEADLINE failure.", "GOAL not met.", "LINE seed 0", "LINE seed 1",
		"1 agents of other runs", "scatter of wb_cf_goal_add_kl", "vector field train", "audit-quick/scatter_wb_cf_goal_add_kl.png"} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict lacks %q", want)
		}
	}
	if strings.Contains(v, "LINE other") {
		t.Error("verdict lists another run's agent")
	}
}

// Without an audit the report says how to get one.
func TestReportWithoutAudit(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	page := html.UnescapeString(readPage(t, r))
	if !strings.Contains(page, "No audit in this run (audit/audit.json is missing)") {
		t.Error("the report does not say the audit is missing")
	}
}
