package report

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The interp stage's file names (interp.RunStage) land in their analyses'
// subsections, JSON that a Markdown file or the audit summary presents
// folded.
func TestTopicsOfInterpStageFiles(t *testing.T) {
	var in interpOutputs
	for _, name := range []string{"fc0.features.md", "fc0.local_vs_e2e.json", "fc0.local_vs_e2e.md", "fc0.mdl.md",
		"fc0.polytope.md", "fc0.sae.md", "fc0.top_goal_feature_22.png", "fc0.top_proxy_feature_22.png",
		"interventions.md", "summary.json", "bilinear.md", "bilinear.action0.png"} {
		ext := filepath.Ext(name)
		in.Files = append(in.Files, interpFile{Path: name, Stem: strings.TrimSuffix(name, ext), Kind: ext[1:]})
	}
	want := map[string][]string{
		"SAE metrics":              {"fc0.sae.md"},
		"Local vs end-to-end SAEs": {"fc0.local_vs_e2e.md", "fc0.local_vs_e2e.json"},
		"Description length (MDL)": {"fc0.mdl.md"},
		"Features and concepts":    {"fc0.features.md", "fc0.top_goal_feature_22.png", "fc0.top_proxy_feature_22.png"},
		"Bilinear weight analysis": {"bilinear.md", "bilinear.action0.png"},
		"Polytope codes":           {"fc0.polytope.md"},
		"Interventions":            {"interventions.md"},
		"Stage summary":            {"summary.json"},
	}
	var titles []string
	for _, tp := range in.Topics() {
		titles = append(titles, tp.Title)
		var got []string
		for _, f := range tp.Files {
			got = append(got, f.Path)
			if f.Kind == "json" && !f.Collapsed {
				t.Errorf("%s shown open, want folded", f.Path)
			}
		}
		if !slices.Equal(got, want[tp.Title]) {
			t.Errorf("topic %q holds %v, want %v", tp.Title, got, want[tp.Title])
		}
	}
	if wantTitles := []string{"SAE metrics", "Local vs end-to-end SAEs", "Description length (MDL)", "Features and concepts",
		"Bilinear weight analysis", "Polytope codes", "Interventions", "Stage summary"}; !slices.Equal(titles, wantTitles) {
		t.Errorf("topics %v, want %v", titles, wantTitles)
	}
}
