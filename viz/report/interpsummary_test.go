package report

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The real summary.json of a tiny maze run (interp stage with local and
// end-to-end SAEs, polytopes and interventions; no goal vector because
// the cheese is always visible) decodes with the values its Markdown
// tables show.
func TestDecodeRealInterpSummary(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "interp_summary_tiny_maze.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Layers) != 1 || s.Layers[0].Layer != "fc0" {
		t.Fatalf("layers %+v, want one, fc0", s.Layers)
	}
	l := s.Layers[0]
	if len(l.SAEs) != 4 || l.SAEs[0].Name != "local-64" || l.SAEs[0].Alive != 64 || math.Abs(l.SAEs[0].FVU-0.1006) > 1e-4 ||
		l.SAEs[0].Spliced != (EpisodeStats{Episodes: 40, Successes: 24, Proxy: 6, MeanReturn: 6}) {
		t.Errorf("SAEs %+v", l.SAEs)
	}
	if len(l.Comparisons) != 2 || l.Comparisons[0].Latents != 64 || l.Comparisons[0].K != 8 || math.Abs(l.Comparisons[0].E2E.FVU-0.8187) > 1e-4 {
		t.Errorf("local vs e2e %+v", l.Comparisons)
	}
	if m, ok := chosenMDL(l); !ok || l.Chosen != "local-64" || math.Abs(m.DL-46.07) > 0.01 || m.Bits != 1 || m.Coding != "combinatorial" {
		t.Errorf("MDL choice %q %+v", l.Chosen, m)
	}
	if len(l.TopGoal) != 5 || l.TopGoal[0].Latent != 22 || l.TopGoal[0].Concept != "goal_dx" || l.TopGoal[0].AUC != nil {
		t.Errorf("top goal %+v", l.TopGoal)
	}
	if p := l.TopProxy[0]; p.Concept != "proxy_right" || p.AUC == nil || math.Abs(*p.AUC-0.0153) > 1e-4 || math.Abs(p.Strength-0.9694) > 1e-4 {
		t.Errorf("top proxy %+v", p)
	}
	if p := l.Polytope; p == nil || p.A.Distinct != 364 || p.B.Distinct != 337 || p.B.Transitions != 3960 || p.BInA != 0.2645 {
		t.Errorf("polytope %+v", p)
	}
	if len(s.Interventions) != 2 {
		t.Fatalf("%d interventions, want 2", len(s.Interventions))
	}
	iv := s.Interventions[0]
	if iv.Variant != "anywhere" || iv.BaseFailure.K != 6 || iv.TreatedFailure.K != 3 || iv.TreatedFailure.N != 40 ||
		math.Abs(iv.BaseFailure.Lo-0.0706) > 1e-4 || iv.Treated.Successes != 30 || iv.FailureChange != -0.075 {
		t.Errorf("intervention %+v", iv)
	}
	if got, want := iv.BaseFailure.Percent(), "15.0% [7.1, 29.1] (6/40)"; got != want {
		t.Errorf("base failure %q, want %q (interventions.md's format)", got, want)
	}
	if !iv.BaseFailure.Overlaps(iv.TreatedFailure) {
		t.Error("6/40 and 3/40 intervals do not overlap")
	}
	if s.Bilinear != nil {
		t.Errorf("bilinear %+v in an MLP run", s.Bilinear)
	}
}

func TestDecodeSummaryErrors(t *testing.T) {
	for i, doc := range []string{
		`[]`,
		`{"interventions": []}`,
		`{"layers": [{"layer": ""}]}`,
		`{"layers": [{"layer": "fc", "mdl": {}}]}`,
		`{"layers": [{"layer": "fc"}], "interventions": [{"base_failure": {"k": "six"}}]}`,
	} {
		if _, err := decodeSummary([]byte(doc)); err == nil {
			t.Errorf("case %d: %s decoded without error", i, doc)
		}
	}
}

// interpMirrors maps each report type to the interp type whose JSON it
// mirrors.
var interpMirrors = map[reflect.Type]string{
	reflect.TypeFor[InterpSummary]():      "StageSummary",
	reflect.TypeFor[InterpLayer]():        "LayerSummary",
	reflect.TypeFor[SAEMetrics]():         "NamedMetrics",
	reflect.TypeFor[EpisodeStats]():       "EpisodeStats",
	reflect.TypeFor[LocalVsE2E]():         "Comparison",
	reflect.TypeFor[SAESide]():            "Side",
	reflect.TypeFor[MDLResult]():          "MDLResult",
	reflect.TypeFor[FeatureConcept]():     "FeatureConcept",
	reflect.TypeFor[PolytopeComparison](): "PolytopeComparison",
	reflect.TypeFor[PolytopeStats]():      "PolytopeStats",
	reflect.TypeFor[BilinearSpectrum]():   "BilinearSummary",
	reflect.TypeFor[Spectrum]():           "Spectrum",
	reflect.TypeFor[Intervention]():       "InterventionResult",
	reflect.TypeFor[Proportion]():         "Rate",
}

// The mirror types have the JSON names (and omitempty) of interp's
// types, read from interp's source so the report need not import it.
func TestMirrorsMatchInterpJSON(t *testing.T) {
	interp := interpStructs(t, filepath.Join("..", "..", "interp"))
	for rt, name := range interpMirrors {
		st, ok := interp[name]
		if !ok {
			t.Errorf("interp has no struct %s (mirrored by %s)", name, rt.Name())
			continue
		}
		want := jsonFields(t, interp, st)
		var got []string
		for i := range rt.NumField() {
			got = append(got, tagField(rt.Field(i).Name, rt.Field(i).Tag.Get("json")))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s has JSON fields %v, interp.%s %v", rt.Name(), got, name, want)
		}
	}
}

// tagField is a field's JSON name, with ",omitempty" when set.
func tagField(goName, tag string) string {
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = goName
	}
	if strings.Contains(opts, "omitempty") {
		name += ",omitempty"
	}
	return name
}

// interpStructs parses the non-test Go files in dir and returns its
// struct types by name.
func interpStructs(t *testing.T, dir string) map[string]*ast.StructType {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	out := map[string]*ast.StructType{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					out[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	return out
}

// jsonFields lists the JSON names of st's fields as encoding/json writes
// them: untagged embedded structs inline, "-" left out.
func jsonFields(t *testing.T, structs map[string]*ast.StructType, st *ast.StructType) []string {
	t.Helper()
	var out []string
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			raw, err := strconv.Unquote(f.Tag.Value)
			if err != nil {
				t.Fatal(err)
			}
			tag = reflect.StructTag(raw).Get("json")
		}
		if tag == "-" {
			continue
		}
		if len(f.Names) == 0 {
			id, ok := f.Type.(*ast.Ident)
			if !ok || tag != "" || structs[id.Name] == nil {
				t.Fatalf("embedded field %v: only untagged embedded structs of the package are handled", f.Type)
			}
			out = append(out, jsonFields(t, structs, structs[id.Name])...)
			continue
		}
		for _, n := range f.Names {
			if n.IsExported() {
				out = append(out, tagField(n.Name, tag))
			}
		}
	}
	return out
}
