package report

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
)

// The interp stage's file names (package interp/study) land in their analyses'
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

// A Markdown file is shown as the document summary.json builds for it,
// whatever the file holds; one the summary has no document for is shown
// as its source.
func TestInterpMarkdownFromSummary(t *testing.T) {
	dir := t.TempDir()
	sum := schema.InterpSummary{Layers: []schema.LayerSummary{{Site: "stage1/pos", Chosen: "local-64-k8",
		SAEs: []schema.SAEResult{{Name: "local-64-k8", Training: "local", Latents: 64, L0: 8, FVU: 0.125, KL: 0.01, Alive: 60}}}}}
	data, err := schema.EncodeJSON(sum)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{schema.InterpSummaryJSON: string(data),
		"stage1_pos.saes.md": "| stale | <b>9</b> |\n", "notes.md": "# Notes <x>\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in, err := readInterp(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range in.Files {
		if f.Kind == "md" {
			got[f.Stem] = string(f.HTML)
		}
	}
	want := map[string]string{
		"stage1_pos.saes": string(docHTML(sum.Layers[0].Document())),
		"notes":           "<pre># Notes &lt;x&gt;\n</pre>",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Markdown shown as\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(want["stage1_pos.saes"], "<h4>stage1/pos</h4>") || !strings.Contains(want["stage1_pos.saes"], "<td>0.125</td>") {
		t.Errorf("layer document lacks its title or FVU: %s", want["stage1_pos.saes"])
	}
}
