package config

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// shipped holds the configs compiled into the binary, so `experiments run
// coinrun-ood.toml` works from any directory.
//
//go:embed configs/*.toml
var shipped embed.FS

// Load reads the config nameOrPath with profile applied ("quick", "full",
// or "base" for the file's values without a profile; a profile the file
// does not define also leaves the base values). It resolves nameOrPath as
// a file path relative to the working directory (adding ".toml" when it
// has no extension), then, for a bare name, among the shipped configs.
//
// Load validates strictly: every profile the file defines and every sweep
// point must decode and validate, not only the one requested, so a typo in
// [profiles.full] is caught by a quick run. Config errors are *ConfigError.
func Load(nameOrPath, profile string) (*Config, error) {
	file, src, err := readConfig(nameOrPath)
	if err != nil {
		return nil, err
	}
	return LoadBytes(file, src, profile)
}

// LoadBytes is Load for content already in memory; file names it in errors.
func LoadBytes(file string, src []byte, profile string) (*Config, error) {
	if profile != BaseProfile && !isProfile(profile) {
		return nil, &ConfigError{File: file, Msg: fmt.Sprintf("profile %q: want %s", profile, ProfileChoices())}
	}
	var want *Config
	for _, p := range append([]string{BaseProfile}, Profiles...) {
		c, err := parse(file, src, p, -1)
		if err != nil {
			return nil, err
		}
		if _, err := c.Expand(); err != nil {
			return nil, err
		}
		if p == profile {
			want = c
		}
	}
	return want, nil
}

// LoadResolved reads a run directory's resolved.toml (or any config file
// without profiles) as written, without applying a profile.
func LoadResolved(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, src, "", -1)
}

// readConfig finds nameOrPath on disk or among the shipped configs.
func readConfig(nameOrPath string) (file string, src []byte, err error) {
	candidates := []string{nameOrPath}
	if filepath.Ext(nameOrPath) == "" {
		candidates = append(candidates, nameOrPath+".toml")
	}
	for _, p := range candidates {
		src, err := os.ReadFile(p)
		if err == nil {
			return p, src, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, &ConfigError{File: p, Msg: err.Error()}
		}
	}
	if !strings.ContainsAny(nameOrPath, `/\`) {
		name := nameOrPath
		if filepath.Ext(name) == "" {
			name += ".toml"
		}
		if src, err := shipped.ReadFile(path.Join("configs", name)); err == nil {
			return name, src, nil
		}
	}
	var names []string
	for _, s := range List() {
		names = append(names, s.Name)
	}
	return "", nil, &ConfigError{File: nameOrPath, Msg: fmt.Sprintf("no such file in the working directory, and no shipped config of that name (shipped: %s)", strings.Join(names, ", "))}
}

// Shipped describes a config compiled into the binary.
type Shipped struct {
	Name        string // file name, e.g. "coinrun-ood.toml"
	Description string // the config's experiment.description
}

// List returns the shipped configs sorted by name.
func List() []Shipped {
	ents, err := shipped.ReadDir("configs")
	if err != nil {
		panic("experiments: embedded configs missing: " + err.Error())
	}
	var out []Shipped
	for _, e := range ents {
		src, err := shipped.ReadFile(path.Join("configs", e.Name()))
		if err != nil {
			panic("experiments: reading embedded config: " + err.Error())
		}
		var head struct {
			Experiment struct {
				Description string `toml:"description"`
			} `toml:"experiment"`
		}
		// Only the description is needed; strict checks are Load's job
		// (and the shipped configs are tested to pass them).
		toml.NewDecoder(bytes.NewReader(src)).Decode(&head)
		out = append(out, Shipped{Name: e.Name(), Description: head.Experiment.Description})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ShippedSource returns the text of a shipped config.
func ShippedSource(name string) ([]byte, error) {
	return shipped.ReadFile(path.Join("configs", name))
}
