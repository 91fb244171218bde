package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestInterpDocumentsCommitted rebuilds every committed interp/*.md from
// its run's summary.json: the documents must name exactly the Markdown
// files the stage left, with their bytes.
func TestInterpDocumentsCommitted(t *testing.T) {
	for _, path := range committedFiles(t, InterpSummaryJSON) {
		dir := filepath.Dir(path)
		if filepath.Base(dir) != "interp" {
			continue
		}
		s, err := ReadInterpSummary(path)
		if err != nil {
			t.Fatal(err)
		}
		onDisk, err := filepath.Glob(filepath.Join(dir, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		var built []string
		for _, d := range s.Documents() {
			built = append(built, filepath.Join(dir, d.File))
			want, err := os.ReadFile(filepath.Join(dir, d.File))
			if err != nil {
				t.Errorf("%s: %v", dir, err)
				continue
			}
			if got := []byte(d.Doc.Markdown()); !bytes.Equal(got, want) {
				t.Errorf("%s/%s: rebuilt Markdown differs from the file at byte %d:\n%s", dir, d.File, firstDiff(got, want), got)
			}
		}
		sort.Strings(built)
		if strings.Join(built, "\n") != strings.Join(onDisk, "\n") {
			t.Errorf("%s: documents %v, Markdown files %v", dir, built, onDisk)
		}
	}
}

func TestSiteFileName(t *testing.T) {
	for _, c := range []struct{ site, want string }{{"fc", "fc"}, {"stage1/pos", "stage1_pos"}, {"a/b/c", "a_b_c"}} {
		if got := SiteFileName(c.site); got != c.want {
			t.Errorf("SiteFileName(%q) = %q, want %q", c.site, got, c.want)
		}
	}
}

// A summary holds a document per layer and one per further analysis that
// ran, in the stage's order.
func TestInterpDocumentsNames(t *testing.T) {
	s := InterpSummary{Layers: []LayerSummary{{Site: "fc"}, {Site: "stage1/pos"}},
		Interventions: []Intervention{{Name: "x"}}, Polytope: &Polytope{}}
	var got []string
	for _, d := range s.Documents() {
		got = append(got, d.File)
	}
	want := "fc.saes.md stage1_pos.saes.md interventions.md polytope.md"
	if strings.Join(got, " ") != want {
		t.Errorf("files %v, want %s", got, want)
	}
	if md := s.Layers[0].Document().Markdown(); !strings.Contains(md, "Chosen by MDL: none. \n") || strings.Contains(md, "## Features") {
		t.Errorf("layer without a chosen SAE or features:\n%s", md)
	}
}
