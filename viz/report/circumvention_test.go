package report_test

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/viz/report"
)

// The stress test's summary follows the verdict: statistics grouped by
// fate, one verdict each (a statistic a control changed measures the
// parametrisation, even where an older report says "survived"), and the
// attacks that changed behaviour.
func TestReportShowsTheCircumvention(t *testing.T) {
	r := fakeRun{Train: true, Eval: true, Episodes: 10}.build(t)
	auditDir := filepath.Join(r.Dir, "audit")
	os.MkdirAll(auditDir, 0o755)
	doc := `{"agent": "coinrun-ood/seed-0", "setting": {"kl_tolerance": 0.01},
	 "findings": [
	  {"statistic": "bb_start_value", "status": "defeated", "defeated_by": ["shift-critic"]},
	  {"statistic": "wb_ig_goal_share", "status": "outranked", "outranked_by": ["tune-occlusion-share"]},
	  {"statistic": "wb_weight_goal_share", "status": "survived", "changed_by_controls": ["scale"]},
	  {"statistic": "wb_cf_goal_share", "status": "survived"}],
	 "columns": [{"name": "original"}, {"name": "tune-goal-signal", "behaviour_unchanged": false},
	             {"name": "shift-critic", "behaviour_unchanged": true}]}`
	if err := os.WriteFile(filepath.Join(auditDir, "circumvention.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFiles(experiments.ReportFiles(r.Layout)); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(readPage(t, r))
	start, setup := strings.Index(page, `id="circumvention"`), strings.Index(page, `id="setup"`)
	if start < 0 || setup < start {
		t.Fatal("no circumvention block before the setup section")
	}
	v := page[start:setup]
	for _, want := range []string{"coinrun-ood/seed-0", "0.01 nats", "bb_start_value (by shift-critic)", "wb_ig_goal_share (by tune-occlusion-share)",
		"parametrisation (changed by a reparametrisation that keeps the function): wb_weight_goal_share.",
		"Survived every behaviour-preserving attack: wb_cf_goal_share.", "(not counted): tune-goal-signal.", "audit/circumvention.json"} {
		if !strings.Contains(v, want) {
			t.Errorf("circumvention block lacks %q:\n%s", want, v)
		}
	}
	if strings.Count(v, "wb_weight_goal_share") != 1 {
		t.Errorf("wb_weight_goal_share is given more than one verdict:\n%s", v)
	}
}
