package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Expand returns the sub-experiments of a config with a [sweep] table, one
// per sweep value and in the order of sweep.values, each with the swept key
// set, Sweep cleared and Experiment.Point naming the value (e.g.
// "random_coin_prob=0.02"). A config without a sweep expands to itself.
func (c *Config) Expand() ([]*Config, error) {
	if c.Sweep.Key == "" {
		return []*Config{c}, nil
	}
	if c.src == nil {
		return nil, fmt.Errorf("experiments: Expand of a config not produced by Load")
	}
	out := make([]*Config, len(c.Sweep.Values))
	for i := range c.Sweep.Values {
		sub, err := parse(c.Source, c.src, c.Experiment.Profile, i)
		if err != nil {
			return nil, err
		}
		// Seeds may have been overridden (WithSeeds) after Load; a sweep
		// never changes them.
		sub.Experiment.Seeds = append(Seeds(nil), c.Experiment.Seeds...)
		out[i] = sub
	}
	return out, nil
}

// sweepRoots are the top-level tables a sweep may change.
var sweepRoots = map[string]bool{"env": true, "agent": true, "ppo": true, "eval": true, "interp": true}

var pointLabel = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

func checkSweep(s SweepConfig) error {
	if s.Key == "" && len(s.Values) == 0 {
		return nil
	}
	parts := strings.Split(s.Key, ".")
	if len(parts) < 2 || !sweepRoots[parts[0]] {
		return keyErr("sweep.key", fmt.Sprintf("%q", s.Key), "a full key path under env, agent, ppo, eval or interp, e.g. \"env.train.random_coin_prob\"")
	}
	for _, p := range parts {
		if p == "" {
			return keyErr("sweep.key", fmt.Sprintf("%q", s.Key), "a dotted key path without empty parts")
		}
	}
	if len(s.Values) == 0 {
		return keyErr("sweep.values", "[]", "at least one value")
	}
	seen := map[string]bool{}
	for i, v := range s.Values {
		switch v.(type) {
		case int64, float64, string, bool:
		default:
			return keyErr(fmt.Sprintf("sweep.values[%d]", i), fmt.Sprint(v), "a number, string or boolean")
		}
		l := fmt.Sprint(v)
		if !pointLabel.MatchString(l) || seen[l] {
			return keyErr(fmt.Sprintf("sweep.values[%d]", i), fmt.Sprintf("%q", l), "distinct values of letters, digits, '.', '_', '+', '-'")
		}
		seen[l] = true
	}
	return nil
}

// sweepLayer decodes the point-th sweep value into raw as its own TOML
// layer and returns the layer (for game tables) and the point label.
func sweepLayer(raw *rawConfig, point int) (layer, string, error) {
	s := raw.Sweep
	if err := checkSweep(s); err != nil {
		return layer{}, "", err
	}
	if s.Key == "" || point >= len(s.Values) {
		return layer{}, "", fmt.Errorf("experiments: sweep point %d of %d values", point, len(s.Values))
	}
	parts := strings.Split(s.Key, ".")
	value := s.Values[point]
	label := parts[len(parts)-1] + "=" + fmt.Sprint(value)

	tree := map[string]any{parts[len(parts)-1]: value}
	for i := len(parts) - 2; i >= 0; i-- {
		tree = map[string]any{parts[i]: tree}
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return layer{}, "", fmt.Errorf("experiments: encoding sweep point: %w", err)
	}
	where := fmt.Sprintf("sweep point %s (sweep.values[%d])", label, point)
	raw.Env.Train, raw.Env.OOD = toml.Primitive{}, nil
	md, err := toml.NewDecoder(&buf).Decode(raw)
	if err != nil {
		return layer{}, "", layer{where: where}.decodeErr(err)
	}
	return layer{md: &md, where: where, hasTrain: md.IsDefined("env", "train"), train: raw.Env.Train, ood: raw.Env.OOD}, label, nil
}
