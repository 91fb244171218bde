package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image"
	_ "image/gif" // DecodeConfig of interp GIFs
	_ "image/png" // DecodeConfig of interp PNGs
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/misgen/misgen/schema"
)

// interpFile is one file in interp/ prepared for display.
type interpFile struct {
	Path  string
	Stem  string // name without extension, the grouping key
	Kind  string // "json", "md", "png", "gif"
	JSON  any    // parsed JSON
	Image []byte
	// HTML is the file rendered for the page: JSON as a table, Markdown as
	// the summary's document of that name (schema.InterpSummary.Documents),
	// or as preformatted source when none matches.
	HTML template.HTML
	// Width is the display width of a small image, scaled up so pixel
	// art stays legible; 0 shows it at its natural size.
	Width int
	// Collapsed marks raw JSON shown folded because a Markdown file of
	// the same stem (or the audit summary) presents it.
	Collapsed bool
}

// interpOutputs is everything the interp stage left.
type interpOutputs struct {
	Dir    string
	Exists bool
	Files  []interpFile
	// Summary is the decoded summary.json (nil when absent).
	Summary *schema.InterpSummary
}

// readInterp reads every JSON, Markdown and image file in dir and one
// level of subdirectories. A Markdown file is shown as the document the
// summary builds for it, so its numbers come from summary.json, never
// from parsing Markdown. Bad JSON is an error naming the file.
func readInterp(dir string) (*interpOutputs, error) {
	out := &interpOutputs{Dir: dir}
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return out, nil
	} else if err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	out.Exists = true
	var err error
	if out.Summary, err = readSummary(dir); err != nil {
		return nil, err
	}
	docs := map[string]template.HTML{}
	if out.Summary != nil {
		for _, d := range out.Summary.Documents() {
			docs[d.File] = docHTML(d.Doc)
		}
	}
	paths, err := filesTwoDeep(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		f, ok, err := readInterpFile(dir, p, docs)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Files = append(out.Files, f)
		}
	}
	return out, nil
}

// readInterpFile reads the file at path p in dir for display, Markdown as
// its document in docs (by path relative to dir); ok is false for a file
// of another kind or a directory.
func readInterpFile(dir, p string, docs map[string]template.HTML) (f interpFile, ok bool, err error) {
	ext := strings.ToLower(filepath.Ext(p))
	kind := strings.TrimPrefix(ext, ".")
	if kind != "json" && kind != "md" && kind != "png" && kind != "gif" {
		return f, false, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		if st, serr := os.Stat(p); serr == nil && st.IsDir() {
			return f, false, nil
		}
		return f, false, err
	}
	rel, _ := filepath.Rel(dir, p)
	f = interpFile{Path: p, Stem: strings.TrimSuffix(filepath.ToSlash(rel), ext), Kind: kind}
	switch kind {
	case "json":
		if f.JSON, err = decodeDocument(json.NewDecoder(bytes.NewReader(data))); err != nil {
			return f, false, fmt.Errorf("%s: %w", p, err)
		}
		f.HTML = jsonHTML(f.JSON)
	case "md":
		if f.HTML, ok = docs[filepath.ToSlash(rel)]; !ok {
			f.HTML = sourceHTML(string(data))
		}
	default:
		f.Image = data
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Width < minFigureWidth {
			f.Width = cfg.Width * ((minFigureWidth + cfg.Width - 1) / cfg.Width)
		}
	}
	return f, true, nil
}

// readSummary reads dir's summary.json; nil when there is none.
func readSummary(dir string) (*schema.InterpSummary, error) {
	path := filepath.Join(dir, schema.InterpSummaryJSON)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return schema.ReadInterpSummary(path)
}

// minFigureWidth is the width in CSS pixels small interp images are
// scaled up to (by an integer factor).
const minFigureWidth = 240

// interpTopic is one subsection of the interpretability section: its
// files, split into figures (shown in the Internals section) and tables
// (Markdown and JSON, shown in the appendix).
type interpTopic struct {
	Title           string
	Files           []interpFile
	Figures, Tables []interpFile
}

// topics lists the subsections in display order, with the keywords (in a
// file's stem) that put a file there; the first match wins, so the
// specific topics come before "sae".
var topics = []struct {
	title    string
	keywords []string
}{
	{"Bilinear weight analysis", []string{"bilinear", "eigen", "spectrum"}},
	{"Interventions", []string{"intervention", "ablat", "clamp", "vector", "steer"}},
	{"Local vs end-to-end SAEs", []string{"e2e", "end_to_end", "local"}},
	{"Description length (MDL)", []string{"mdl"}},
	{"Polytope codes", []string{"polytope", "code"}}, // before "top", a substring of "polytope"
	{"Features and concepts", []string{"feature", "concept", "top", "correl"}},
	{"SAE metrics", []string{"sae"}},
	{"Stage summary", []string{"summary"}},
}

// displayOrder is the order topics appear in the page.
var displayOrder = []string{"SAE metrics", "Local vs end-to-end SAEs", "Description length (MDL)",
	"Features and concepts", "Bilinear weight analysis", "Polytope codes", "Interventions", "Other outputs", "Stage summary"}

// Topics groups the files by subsection, in display order, files of one
// stem together (Markdown, then JSON, then images).
func (o *interpOutputs) Topics() []interpTopic {
	byTitle := map[string][]interpFile{}
	for _, f := range o.Files {
		title := "Other outputs"
		stem := strings.ToLower(f.Stem)
	find:
		for _, t := range topics {
			for _, k := range t.keywords {
				if strings.Contains(stem, k) {
					title = t.title
					break find
				}
			}
		}
		byTitle[title] = append(byTitle[title], f)
	}
	rank := map[string]int{"md": 0, "json": 1, "png": 2, "gif": 3}
	var out []interpTopic
	for _, title := range displayOrder {
		fs := byTitle[title]
		if len(fs) == 0 {
			continue
		}
		sort.SliceStable(fs, func(i, j int) bool {
			if fs[i].Stem != fs[j].Stem {
				return fs[i].Stem < fs[j].Stem
			}
			return rank[fs[i].Kind] < rank[fs[j].Kind]
		})
		hasMD := map[string]bool{}
		for _, f := range fs {
			if f.Kind == "md" {
				hasMD[f.Stem] = true
			}
		}
		for i := range fs {
			// summary.json repeats the Markdown tables and feeds the
			// audit summary, so it is shown folded too.
			fs[i].Collapsed = fs[i].Kind == "json" && (hasMD[fs[i].Stem] || fs[i].Stem+".json" == schema.InterpSummaryJSON)
		}
		t := interpTopic{Title: title, Files: fs}
		for _, f := range fs {
			if f.Kind == "md" || f.Kind == "json" {
				t.Tables = append(t.Tables, f)
			} else {
				t.Figures = append(t.Figures, f)
			}
		}
		out = append(out, t)
	}
	return out
}
