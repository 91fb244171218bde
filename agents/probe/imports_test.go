package probe

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The toolkit is below the analyses and the drawing: its non-test files
// import only the standard library, gonum and the misgen packages agents,
// envs, internal/torch, internal/stats and schema.
func TestImportsOnlyLowerPackages(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"agents", "envs", "internal/torch", "internal/stats", "schema"}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			rest, ok := strings.CutPrefix(path, "github.com/misgen/misgen/")
			if ok && !slices.Contains(allowed, rest) {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
