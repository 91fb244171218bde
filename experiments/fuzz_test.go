package experiments

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Run directories are shared between people, so the decoders of their
// files are fuzzed. The seed corpora (testdata/fuzz/<name>: real files of
// the shipped experiments and damaged ones) run with every `go test`.

// FuzzManifest: any manifest.json gives an error or a manifest that is
// written back (a resumed run rewrites it) and reads back the same.
func FuzzManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeManifest(data)
		if err != nil {
			return
		}
		out, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatalf("a manifest that reads cannot be written back (a resume would fail): %v", err)
		}
		m2, err := decodeManifest(out)
		if err != nil {
			t.Fatalf("written manifest does not read back: %v\n%s", err, out)
		}
		if again, _ := json.MarshalIndent(m2, "", "  "); !bytes.Equal(again, out) {
			t.Fatalf("manifest changes on a write-read cycle:\n%s\n%s", out, again)
		}
	})
}
