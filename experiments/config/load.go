package config

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// shipped holds the configs compiled into the binary, so `experiments run
// coinrun-ood.toml` works from any directory.
//
//go:embed configs/*.toml
var shipped embed.FS

// Load reads the config nameOrPath with profile applied: "quick",
// "medium" or "full" (a [profiles.<name>] table the file must define),
// BaseProfile for the file's values without a profile, or DefaultProfile
// for quick where the file defines it and base otherwise. A profile the
// file does not define is a *ConfigError naming the ones it does, rather
// than the base values under another name. It resolves nameOrPath as a
// file path relative to the working directory (adding ".toml" when it has
// no extension), then, for a bare name, among the shipped configs.
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
	if profile != DefaultProfile && profile != BaseProfile && !isProfile(profile) {
		return nil, &ConfigError{File: file, Msg: fmt.Sprintf("profile %q: want %s", profile, ProfileChoices())}
	}
	profile, err := chooseProfile(file, src, profile)
	if err != nil {
		return nil, err
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

// chooseProfile resolves DefaultProfile against the profiles file defines
// and refuses a profile it does not define (a resolved.toml, which names
// its profile in experiment.profile, accepts that one).
func chooseProfile(file string, src []byte, profile string) (string, error) {
	d, err := decodeFile(src)
	if err != nil {
		return "", ErrorIn(file, err)
	}
	_, defined := d.raw.Profiles[profile]
	_, hasQuick := d.raw.Profiles["quick"]
	switch {
	case profile == DefaultProfile && hasQuick:
		return "quick", nil
	case profile == DefaultProfile:
		return BaseProfile, nil
	case profile == BaseProfile || defined || profile == d.fileProfile:
		return profile, nil
	}
	names := d.profiles()
	have := "no profiles"
	if len(names) > 0 {
		have = "profiles " + strings.Join(names, ", ")
	}
	return "", &ConfigError{File: file, Key: "profiles." + profile,
		Msg: fmt.Sprintf("profile %q is not defined: the file has %s (or %q for its own values)", profile, have, BaseProfile)}
}

// profiles lists the profiles the file defines, in Profiles order.
func (d *decoding) profiles() []string {
	var names []string
	for _, p := range Profiles {
		if _, ok := d.raw.Profiles[p]; ok {
			names = append(names, p)
		}
	}
	return names
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
	Name        string   // file name, e.g. "coinrun-ood.toml"
	Description string   // the config's experiment.description
	Profiles    []string // the profiles it defines, e.g. [quick full]
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
		// Strict checks are Load's job (and the shipped configs are
		// tested to pass them).
		d, err := decodeFile(src)
		if err != nil {
			panic("experiments: embedded config " + e.Name() + ": " + err.Error())
		}
		out = append(out, Shipped{Name: e.Name(), Description: d.raw.Experiment.Description, Profiles: d.profiles()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ShippedSource returns the text of a shipped config.
func ShippedSource(name string) ([]byte, error) {
	return shipped.ReadFile(path.Join("configs", name))
}
