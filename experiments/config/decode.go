package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/agents/agentconfig"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
	"github.com/misgen/misgen/schema"
)

// Profiles are the profile names a config file may define, smallest
// first: quick (minutes on a 2-core CPU), medium (up to an hour there) and
// full (research scale). A profile table [profiles.<name>] holds any keys
// of the base config and overrides them; a file need not define every
// profile, and selecting one it lacks is an error (Load). This is the only
// list of profile names.
var Profiles = []string{"quick", "medium", "full"}

// BaseProfile selects a file's values without any profile applied.
const BaseProfile = "base"

// DefaultProfile, as the profile argument of Load, selects "quick" when
// the file defines [profiles.quick] and BaseProfile otherwise.
const DefaultProfile = ""

// ProfileChoices names the accepted profiles for messages and help:
// "quick", "medium", "full" or "base".
func ProfileChoices() string {
	var q []string
	for _, p := range Profiles {
		q = append(q, fmt.Sprintf("%q", p))
	}
	return strings.Join(q, ", ") + fmt.Sprintf(" or %q", BaseProfile)
}

// rawConfig is the decoding target of a file and of each override layer.
// The game variant tables stay toml.Primitive until the game is known.
type rawConfig struct {
	Experiment ExperimentConfig          `toml:"experiment"`
	Env        rawEnv                    `toml:"env"`
	Agent      agentconfig.PolicyConfig  `toml:"agent"`
	PPO        agentconfig.PPOConfig     `toml:"ppo"`
	Eval       EvalConfig                `toml:"eval"`
	Interp     InterpConfig              `toml:"interp"`
	Report     ReportConfig              `toml:"report"`
	Audit      AuditConfig               `toml:"audit"`
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
		return nil, ErrorIn(file, err)
	}
	c.Source = file
	c.src = src
	return c, nil
}

// decoding is the state of one parse: the raw tables decoded so far, the
// file's metadata and the layers of game-variant overrides.
type decoding struct {
	raw         rawConfig
	md          toml.MetaData
	layers      []layer
	profilePath []string // key path of the applied profile, nil if none
	fileProfile string   // experiment.profile as written in the file
	pointLabel  string   // the sweep point's label, "" if none
}

func decodeLayers(src []byte, profile string, point int) (*Config, error) {
	d, err := decodeFile(src)
	if err != nil {
		return nil, err
	}
	if err := d.applyProfile(profile); err != nil {
		return nil, err
	}
	game, gameErr := envs.Lookup(d.raw.Env.Game)
	if err := d.applySweepPoint(point); err != nil {
		return nil, err
	}
	if gameErr != nil {
		return nil, keyerr.New("env.game", d.raw.Env.Game, fmt.Sprintf("one of %q", envs.Names()))
	}
	c := d.config(profile, point)
	if err := d.buildVariants(c, game); err != nil {
		return nil, err
	}
	if err := d.checkUnknownKeys(profile, reflect.TypeOf(game.NewConfig())); err != nil {
		return nil, err
	}
	return c, d.validate(c, game)
}

// decodeFile decodes src over the defaults and checks its profile tables'
// names.
func decodeFile(src []byte) (*decoding, error) {
	def := defaultConfig()
	d := &decoding{raw: rawConfig{
		Experiment: def.Experiment,
		Env:        rawEnv{Obs: def.Env.Obs, TrainLevels: def.Env.TrainLevels},
		Agent:      def.Agent, PPO: def.PPO, Eval: def.Eval, Interp: def.Interp, Report: def.Report, Audit: def.Audit,
	}}
	var err error
	if d.md, err = toml.NewDecoder(bytes.NewReader(src)).Decode(&d.raw); err != nil {
		return nil, decodeErr(err)
	}
	for name := range d.raw.Profiles {
		if !isProfile(name) {
			return nil, keyerr.Unknown("profiles."+name, "want one of "+strings.Join(Profiles, ", "))
		}
	}
	d.fileProfile = d.raw.Experiment.Profile
	if d.fileProfile != "" && len(d.raw.Profiles) > 0 {
		return nil, keyerr.New("experiment.profile", d.fileProfile, "unset (it is written by the tool into resolved.toml only)")
	}
	d.layers = []layer{{md: &d.md, hasTrain: d.md.IsDefined("env", "train"), train: d.raw.Env.Train, ood: d.raw.Env.OOD}}
	return d, nil
}

// applyProfile decodes the [profiles.<profile>] table, when the file has
// one, over the file's values.
func (d *decoding) applyProfile(profile string) error {
	prim, ok := d.raw.Profiles[profile]
	if !ok {
		return nil
	}
	d.profilePath = []string{"profiles", profile}
	d.raw.Env.Train, d.raw.Env.OOD, d.raw.Profiles = toml.Primitive{}, nil, nil
	if err := d.md.PrimitiveDecode(prim, &d.raw); err != nil {
		return decodeErr(err)
	}
	if d.raw.Profiles != nil {
		return keyerr.Unknown("profiles."+profile+".profiles", "profiles cannot nest")
	}
	if d.raw.Experiment.Profile != "" {
		return keyerr.New("profiles."+profile+".experiment.profile", d.raw.Experiment.Profile, "unset (it is written by the tool)")
	}
	d.layers = append(d.layers, layer{md: &d.md, path: d.profilePath,
		hasTrain: d.md.IsDefined("profiles", profile, "env", "train"), train: d.raw.Env.Train, ood: d.raw.Env.OOD})
	return nil
}

// applySweepPoint adds the layer of sweep point point (>= 0), or checks
// the [sweep] table when no point is selected.
func (d *decoding) applySweepPoint(point int) error {
	if point < 0 {
		return checkSweep(d.raw.Sweep)
	}
	sl, label, err := sweepLayer(&d.raw, point)
	if err != nil {
		return err
	}
	d.layers = append(d.layers, sl)
	d.pointLabel = label
	return nil
}

// config is the decoded config without its game variants.
func (d *decoding) config(profile string, point int) *Config {
	raw := &d.raw
	c := &Config{
		Experiment: raw.Experiment,
		Env:        EnvConfig{Game: raw.Env.Game, Obs: raw.Env.Obs, TrainLevels: raw.Env.TrainLevels},
		Agent:      raw.Agent, PPO: raw.PPO, Eval: raw.Eval, Interp: raw.Interp, Report: raw.Report,
		Audit: raw.Audit, Sweep: raw.Sweep,
	}
	if c.PPO.Device == "cpu" {
		c.PPO.Device = "" // the default: resolved.toml and the run ID leave it out
	}
	if point >= 0 {
		c.Sweep = SweepConfig{}
		c.Experiment.Point = d.pointLabel
	}
	if d.fileProfile == "" {
		c.Experiment.Profile = profile
	}
	return c
}

// buildVariants sets the game variants: the training config is the game's
// defaults overridden by each layer's [env.train]; an OOD variant starts
// from the training config and applies each layer's [env.ood.<name>].
func (d *decoding) buildVariants(c *Config, game envs.Game) error {
	var err error
	if c.Env.Train, err = buildVariant(game, d.layers, ""); err != nil {
		return err
	}
	c.Env.OOD = map[string]any{}
	for _, l := range d.layers {
		for n := range l.ood {
			if _, done := c.Env.OOD[n]; done {
				continue
			}
			if !namePattern.MatchString(n) || n == schema.IDVariant {
				return keyerr.New("env.ood", n, fmt.Sprintf("variant names of letters, digits, '.', '_', '-', other than %q", schema.IDVariant))
			}
			if c.Env.OOD[n], err = buildVariant(game, d.layers, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkUnknownKeys reports the first key no layer decoded. Keys of
// profiles other than the applied one are checked when that profile is
// loaded (Load checks every profile).
func (d *decoding) checkUnknownKeys(profile string, gameType reflect.Type) error {
	for _, l := range d.layers {
		if l.md != &d.md {
			if err := checkUndecoded(l.md, "", gameType); err != nil {
				return keyerr.At(l.where, keyerr.Errorf("sweep.key", "names an %v", err))
			}
		}
	}
	return checkUndecoded(&d.md, profile, gameType)
}

// validate checks every value, naming the profile's key when the applied
// profile set it and the sweep point when one is applied.
func (d *decoding) validate(c *Config, game envs.Game) error {
	where := d.layers[len(d.layers)-1].where
	if err := c.validate(); err != nil {
		return keyerr.At(where, attributeKey(err, &d.md, d.profilePath))
	}
	for _, v := range c.Variants() {
		table := "env.ood." + v
		if v == schema.IDVariant {
			table = "env.train"
		}
		cfg, _ := c.VariantConfig(v)
		if _, err := game.Spec(cfg, c.Env.Obs); err != nil {
			return keyerr.At(where, attributeKey(keyerr.Under(table, err), &d.md, d.profilePath))
		}
	}
	return nil
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
