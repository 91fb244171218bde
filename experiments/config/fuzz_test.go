package config

import "testing"

// Run directories are shared between people, so the decoders of their
// files are fuzzed. The seed corpora (testdata/fuzz/<name>: real files of
// the shipped experiments and damaged ones) run with every `go test`.

// FuzzResolvedConfig: any resolved.toml gives a config error or a config
// whose resolved TOML reads back to the same config (the same hash, so a
// resume finds the same run directory).
func FuzzResolvedConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := parse("resolved.toml", src, "", -1)
		if err != nil {
			return
		}
		h, err := c.Hash()
		if err != nil {
			t.Fatalf("a config that loads does not hash: %v", err)
		}
		text, err := c.ResolvedTOML()
		if err != nil {
			t.Fatalf("a config that loads does not encode: %v", err)
		}
		c2, err := parse("resolved.toml", text, "", -1)
		if err != nil {
			t.Fatalf("resolved TOML of a loaded config does not load: %v\n%s", err, text)
		}
		if h2, _ := c2.Hash(); h2 != h {
			t.Fatalf("resolved TOML is not a fixed point:\n%s", text)
		}
	})
}
