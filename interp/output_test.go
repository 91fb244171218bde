package interp

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriters(t *testing.T) {
	dir := t.TempDir()
	if err := WriteJSON(dir, "x.json", map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "x.json")); err != nil || string(b) != "{\n  \"a\": 1\n}\n" {
		t.Errorf("json %q %v", b, err)
	}
	if c := diverging(1); c.R != 255 || c.G != 0 {
		t.Errorf("diverging(1) = %v", c)
	}
	if c := diverging(-1); c.B != 255 || c.R != 0 {
		t.Errorf("diverging(-1) = %v", c)
	}
	if c := diverging(0); c.R != 255 || c.G != 255 || c.B != 255 {
		t.Errorf("diverging(0) = %v", c)
	}
}
