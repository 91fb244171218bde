package tables

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

// committedTables are the tables/ directories under results/.
func committedTables(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(filepath.Join("..", "..", "results"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "tables" {
			dirs = append(dirs, p)
		}
		return err
	})
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no committed tables under results/ (%v)", err)
	}
	return dirs
}

// titleOf is the title of a committed Markdown table: its first line
// without "# ".
func titleOf(t *testing.T, path string) string {
	t.Helper()
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(md), "\n")
	title, ok := strings.CutPrefix(line, "# ")
	if !ok {
		t.Fatalf("%s: first line %q is no title", path, line)
	}
	return title
}

func readJSON[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// decided finds the success and proxy outcomes in preference.md.
var decided = regexp.MustCompile(`Decided episodes ended in (\S+) or (\S+);`)

// TestCommittedTablesReproduce renders every committed table again from
// its own rows (the evaluation records are not committed) and compares
// the files byte for byte: the renderers still write exactly what the
// committed results hold. pursuit.md is left out: its method note was
// reworded after the reference runs.
func TestCommittedTablesReproduce(t *testing.T) {
	for _, dir := range committedTables(t) {
		got := Files{}
		add := func(files Files, err error) {
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			for name, data := range files {
				got[name] = data
			}
		}
		rows, err := schema.ReadRowsJSON(filepath.Join(dir, FailureRatesJSON))
		if err != nil {
			t.Fatal(err)
		}
		add(FailureFiles(rows, titleOf(t, filepath.Join(dir, FailureRatesMD))))
		if _, err := os.Stat(filepath.Join(dir, PursuitJSON)); err == nil {
			pursuit, err := schema.ReadRowsJSON(filepath.Join(dir, PursuitJSON))
			if err != nil {
				t.Fatal(err)
			}
			add(PursuitFiles(pursuit, titleOf(t, filepath.Join(dir, PursuitMD))))
			delete(got, PursuitMD)
		}
		if _, err := os.Stat(filepath.Join(dir, PairedJSON)); err == nil {
			add(PairedFiles(readJSON[[]schema.PairedRow](t, filepath.Join(dir, PairedJSON)), titleOf(t, filepath.Join(dir, PairedMD))))
		}
		if md, err := os.ReadFile(filepath.Join(dir, PreferenceMD)); err == nil {
			m := decided.FindSubmatch(md)
			if m == nil {
				t.Fatalf("%s: no outcomes in %s", dir, PreferenceMD)
			}
			prefs := readJSON[[]schema.PreferenceRow](t, filepath.Join(dir, PreferenceJSON))
			add(PreferenceFiles(prefs, envs.Outcome(m[1]), envs.Outcome(m[2]), titleOf(t, filepath.Join(dir, PreferenceMD))))
		}
		for name, data := range got {
			want, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s: rendered %s differs from the committed file", dir, name)
			}
		}
		if len(got) < 3 {
			t.Errorf("%s: only %d files compared", dir, len(got))
		}
	}
}
