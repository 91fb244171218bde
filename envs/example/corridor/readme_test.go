package corridor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/misgen/misgen/envs/all" // the shipped games, for the README's configs
	"github.com/misgen/misgen/experiments/config"
)

// readmeSection returns the text of README.md's section "## <title>", up
// to the next section.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", "## "+title)
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	return section
}

// codeBlocks returns the bodies of the section's fenced blocks of lang
// ("" for blocks without a language), pairing each opening fence with the
// next closing one.
func codeBlocks(section, lang string) []string {
	var out []string
	var body strings.Builder
	open, want := false, false
	for _, line := range strings.SplitAfter(section, "\n") {
		fence, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "```")
		switch {
		case ok && !open:
			open, want = true, fence == lang
			body.Reset()
		case ok && open:
			open = false
			if want {
				out = append(out, body.String())
			}
		case open:
			body.WriteString(line)
		}
	}
	return out
}

// TestReadmeQuotesTheExample checks that every Go block of the README
// section "Adding a game or variant" appears verbatim in the package's
// source, and that its TOML block is testdata/corridor-ood.toml, so the
// README cannot drift from the example.
func TestReadmeQuotesTheExample(t *testing.T) {
	section := readmeSection(t, "Adding a game or variant")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	blocks := codeBlocks(section, "go")
	if len(blocks) < 5 {
		t.Fatalf("the section quotes %d Go blocks, want the example's Register call, outcomes, Spec, Step, channels and generation", len(blocks))
	}
	for _, b := range blocks {
		if !strings.Contains(src.String(), b) {
			t.Errorf("README Go block not found verbatim in envs/example/corridor:\n%s", b)
		}
	}
	tomls := codeBlocks(section, "toml")
	want, err := os.ReadFile("testdata/corridor-ood.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(tomls) != 1 || tomls[0] != string(want) {
		t.Errorf("the section's TOML block is not testdata/corridor-ood.toml (%d TOML blocks)", len(tomls))
	}
}

// TestReadmeConfigs loads the config of the README section "Writing your
// own config" as `experiments validate my-maze.toml` does, and checks the
// errors the section quotes against the edits it describes.
func TestReadmeConfigs(t *testing.T) {
	section := readmeSection(t, "Writing your own config")
	tomls := codeBlocks(section, "toml")
	if len(tomls) != 1 {
		t.Fatalf("the section has %d TOML blocks, want my-maze.toml", len(tomls))
	}
	const file = "my-maze.toml"
	src := tomls[0]
	c, err := config.LoadBytes(file, []byte(src), config.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	if c.Experiment.Profile != "quick" || len(c.Env.OOD) != 2 {
		t.Errorf("profile %q, OOD variants %v", c.Experiment.Profile, c.Variants())
	}

	errBlocks := codeBlocks(section, "")
	if len(errBlocks) != 1 {
		t.Fatalf("the section has %d plain blocks, want the quoted errors", len(errBlocks))
	}
	quoted := strings.Split(strings.TrimSuffix(errBlocks[0], "\n"), "\n")
	edits := []struct{ old, new string }{
		{"cheese_region = 1", "cheese_regoin = 1"},
		{"size = 21", "size = 24"},
		{"eval.episodes = 50", "eval.episodes = 50\nenv.train.size = 12"},
		{"size = 11", `size = "11"`},
		{"cheese_region = 1\n", "cheese_region = 1\n\n[sweep]\nkey = \"env.train.size\"\nvalues = [9, 13, 4]\n"},
	}
	if len(quoted) != len(edits) {
		t.Fatalf("the section quotes %d errors, the test makes %d edits", len(quoted), len(edits))
	}
	for i, e := range edits {
		bad := strings.Replace(src, e.old, e.new, 1)
		if bad == src {
			t.Fatalf("%q not in my-maze.toml", e.old)
		}
		_, err := config.LoadBytes(file, []byte(bad), config.DefaultProfile)
		if got := "experiments: config error: " + errString(err); got != quoted[i] {
			t.Errorf("edit %q:\n got %s\nwant %s (README)", e.new, got, quoted[i])
		}
	}
	_, err = config.LoadBytes(file, []byte(src), "medium")
	if err == nil || !strings.Contains(strings.Join(strings.Fields(section), " "), "("+"`"+err.Error()+"`"+")") {
		t.Errorf("the section does not quote the undefined-profile error %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
