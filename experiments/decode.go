package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
)

// Profiles are the profile names a config file may define. A profile table
// [profiles.<name>] holds any keys of the base config and overrides them.
var Profiles = []string{"quick", "full"}

// rawConfig is the decoding target of a file and of each override layer.
// The game variant tables stay toml.Primitive until the game is known.
type rawConfig struct {
	Experiment ExperimentConfig          `toml:"experiment"`
	Env        rawEnv                    `toml:"env"`
	Agent      agents.PolicyConfig       `toml:"agent"`
	PPO        agents.PPOConfig          `toml:"ppo"`
	Eval       EvalConfig                `toml:"eval"`
	Interp     InterpConfig              `toml:"interp"`
	Report     ReportConfig              `toml:"report"`
	Sweep      SweepConfig               `toml:"sweep"`
	Profiles   map[string]toml.Primitive `toml:"profiles"`
}

type rawEnv struct {
	Game        string                    `toml:"game"`
	Obs         envs.ObsConfig            `toml:"obs"`
	TrainLevels int64                     `toml:"train_levels"`
	Train       toml.Primitive            `toml:"train"`
	OOD         map[string]toml.Primitive `toml:"ood"`
}

// layer is one source of game-variant overrides: the file itself, the
// selected profile, or a sweep point. Layers apply in order.
type layer struct {
	md       *toml.MetaData
	path     []string // key path of this layer's root inside md
	where    string   // error prefix naming a sweep point, "" otherwise
	hasTrain bool
	train    toml.Primitive
	ood      map[string]toml.Primitive
}

// parse decodes one config file: defaults, then the file, then profile
// (when the file defines it), then sweep point (when point >= 0). Every key
// of every layer must be known; every value must be in range. Errors are
// *ConfigError naming file.
func parse(file string, src []byte, profile string, point int) (*Config, error) {
	c, err := decodeLayers(src, profile, point)
	if err != nil {
		return nil, configError(file, err)
	}
	c.Source = file
	c.src = src
	return c, nil
}

func decodeLayers(src []byte, profile string, point int) (*Config, error) {
	def := defaultConfig()
	raw := rawConfig{
		Experiment: def.Experiment,
		Env:        rawEnv{Obs: def.Env.Obs, TrainLevels: def.Env.TrainLevels},
		Agent:      def.Agent, PPO: def.PPO, Eval: def.Eval, Interp: def.Interp, Report: def.Report,
	}
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&raw)
	if err != nil {
		return nil, decodeErr(err)
	}
	profiles := raw.Profiles
	for name := range profiles {
		if !isProfile(name) {
			return nil, keyerr.Unknown("profiles."+name, "want one of "+strings.Join(Profiles, ", "))
		}
	}
	fileProfile := raw.Experiment.Profile
	if fileProfile != "" && len(profiles) > 0 {
		return nil, keyErr("experiment.profile", fmt.Sprintf("%q", fileProfile), "unset (it is written by the tool into resolved.toml only)")
	}
	layers := []layer{{md: &md, hasTrain: md.IsDefined("env", "train"), train: raw.Env.Train, ood: raw.Env.OOD}}
	var profilePath []string
	if prim, ok := profiles[profile]; ok {
		profilePath = []string{"profiles", profile}
		raw.Env.Train, raw.Env.OOD, raw.Profiles = toml.Primitive{}, nil, nil
		if err := md.PrimitiveDecode(prim, &raw); err != nil {
			return nil, decodeErr(err)
		}
		if raw.Profiles != nil {
			return nil, keyerr.Unknown("profiles."+profile+".profiles", "profiles cannot nest")
		}
		if raw.Experiment.Profile != "" {
			return nil, keyErr("profiles."+profile+".experiment.profile", fmt.Sprintf("%q", raw.Experiment.Profile), "unset (it is written by the tool)")
		}
		layers = append(layers, layer{md: &md, path: profilePath,
			hasTrain: md.IsDefined("profiles", profile, "env", "train"), train: raw.Env.Train, ood: raw.Env.OOD})
	}
	game, gameErr := envs.Lookup(raw.Env.Game)
	var gameType reflect.Type
	if gameErr == nil {
		gameType = reflect.TypeOf(game.NewConfig())
	}

	pointLabel_ := ""
	if point >= 0 {
		sl, label, err := sweepLayer(&raw, point)
		if err != nil {
			return nil, err
		}
		layers = append(layers, sl)
		pointLabel_ = label
	} else if err := checkSweep(raw.Sweep); err != nil {
		return nil, err
	}

	if gameErr != nil {
		return nil, keyErr("env.game", fmt.Sprintf("%q", raw.Env.Game), fmt.Sprintf("one of %q", envs.Names()))
	}

	c := &Config{
		Experiment: raw.Experiment,
		Env:        EnvConfig{Game: raw.Env.Game, Obs: raw.Env.Obs, TrainLevels: raw.Env.TrainLevels},
		Agent:      raw.Agent, PPO: raw.PPO, Eval: raw.Eval, Interp: raw.Interp, Report: raw.Report,
		Sweep: raw.Sweep,
	}
	if point >= 0 {
		c.Sweep = SweepConfig{}
		c.Experiment.Point = pointLabel_
	}
	if fileProfile == "" {
		c.Experiment.Profile = profile
	}

	// Game variants: the training config is the game's defaults overridden
	// by each layer's [env.train]; an OOD variant starts from the training
	// config and applies each layer's [env.ood.<name>].
	var err2 error
	if c.Env.Train, err2 = buildVariant(game, layers, ""); err2 != nil {
		return nil, err2
	}
	names := map[string]bool{}
	for _, l := range layers {
		for n := range l.ood {
			names[n] = true
		}
	}
	c.Env.OOD = map[string]any{}
	for n := range names {
		if !namePattern.MatchString(n) || n == IDVariant {
			return nil, keyErr("env.ood", fmt.Sprintf("%q", n), fmt.Sprintf("variant names of letters, digits, '.', '_', '-', other than %q", IDVariant))
		}
		if c.Env.OOD[n], err2 = buildVariant(game, layers, n); err2 != nil {
			return nil, err2
		}
	}

	// Unknown keys. Keys of profiles other than the applied one are checked
	// when that profile is loaded (Load checks every profile).
	for _, l := range layers {
		if l.md != &md {
			if err := checkUndecoded(l.md, "", gameType); err != nil {
				return nil, keyerr.At(l.where, keyerr.Errorf("sweep.key", "names an %v", err))
			}
		}
	}
	if err := checkUndecoded(&md, profile, gameType); err != nil {
		return nil, err
	}

	where := layers[len(layers)-1].where
	if err := c.validate(); err != nil {
		return nil, keyerr.At(where, attributeKey(err, &md, profilePath))
	}
	for _, v := range sortedVariants(c.Env.OOD, c.Env.Train) {
		table := "env.ood." + v.name
		if v.name == IDVariant {
			table = "env.train"
		}
		if _, err := game.Spec(v.cfg, c.Env.Obs); err != nil {
			return nil, keyerr.At(where, attributeKey(keyerr.Under(table, err), &md, profilePath))
		}
	}
	return c, nil
}

func isProfile(name string) bool {
	for _, p := range Profiles {
		if p == name {
			return true
		}
	}
	return false
}

// buildVariant decodes the layers' tables for variant ("" = training) over
// the game's defaults.
func buildVariant(game envs.Game, layers []layer, variant string) (any, error) {
	cfg := game.NewConfig()
	for _, l := range layers {
		if l.hasTrain {
			if err := l.md.PrimitiveDecode(l.train, cfg); err != nil {
				return nil, l.decodeErr(err)
			}
		}
	}
	if variant == "" {
		return cfg, nil
	}
	for _, l := range layers {
		if prim, ok := l.ood[variant]; ok {
			if err := l.md.PrimitiveDecode(prim, cfg); err != nil {
				return nil, l.decodeErr(err)
			}
		}
	}
	return cfg, nil
}

// decodeErr converts a decode error of this layer. A sweep layer's source
// is generated, so its line numbers mean nothing to the user: the error
// names the sweep point instead.
func (l layer) decodeErr(err error) error {
	ke := decodeErr(err)
	if l.where == "" {
		return ke
	}
	ke.Where = l.where
	return ke
}

type namedVariant struct {
	name string
	cfg  any
}

func sortedVariants(ood map[string]any, train any) []namedVariant {
	out := []namedVariant{{IDVariant, train}}
	names := make([]string, 0, len(ood))
	for n := range ood {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, namedVariant{n, ood[n]})
	}
	return out
}

// checkUndecoded reports the first key of md that no layer decoded,
// ignoring keys of profiles other than profile (they are validated when
// loaded with that profile).
func checkUndecoded(md *toml.MetaData, profile string, gameType reflect.Type) error {
	for _, k := range md.Undecoded() {
		if len(k) >= 2 && k[0] == "profiles" && k[1] != profile {
			continue
		}
		want := ""
		if allowed := allowedKeys(k[:len(k)-1], gameType); len(allowed) > 0 {
			want = "want one of " + strings.Join(allowed, ", ")
		}
		return keyerr.Unknown(k.String(), want)
	}
	return nil
}

var (
	primitiveType = reflect.TypeOf(toml.Primitive{})
	rawType       = reflect.TypeOf(rawConfig{})
)

// allowedKeys lists the keys the table at path accepts, or nil when path
// is not a table of the schema.
func allowedKeys(path toml.Key, gameType reflect.Type) []string {
	t := rawType
	for i := 0; i < len(path); i++ {
		if t == nil || t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByTag(t, path[i])
		if !ok {
			return nil
		}
		switch {
		case f.Type == primitiveType: // env.train
			t = gameType
		case f.Type.Kind() == reflect.Map && f.Type.Elem() == primitiveType:
			i++ // skip the profile or variant name
			if path[i-1] == "profiles" {
				t = rawType
			} else {
				t = gameType
			}
			if i >= len(path) {
				return nil // the map itself takes any name
			}
		default:
			t = f.Type
		}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if n := tagName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		if tagName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func tagName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if tag == "-" {
		return ""
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

// attributeKey rewrites a validation error about a key the applied profile
// set so that it names the profile's key path.
func attributeKey(err error, md *toml.MetaData, profilePath []string) error {
	ke := keyerr.As(err)
	if ke.Key == "" || len(profilePath) == 0 {
		return ke
	}
	parts := strings.Split(ke.Key, ".")
	for i, p := range parts {
		if j := strings.IndexByte(p, '['); j >= 0 {
			parts[i] = p[:j]
		}
	}
	if !md.IsDefined(append(append([]string{}, profilePath...), parts...)...) {
		return ke
	}
	return keyerr.Under(strings.Join(profilePath, "."), ke)
}

func asParseError(err error) (toml.ParseError, bool) {
	var pe toml.ParseError
	ok := errors.As(err, &pe)
	return pe, ok
}
