package config

import (
	"testing"

	"github.com/misgen/misgen/experiments/config/configtest"
)

// The test game and its config, from the shared fixture.
const (
	baseTOML  = configtest.BaseTOML
	sweepTOML = configtest.SweepTOML
)

type testGameConfig = configtest.GameConfig

func loadText(t *testing.T, src, profile string) (*Config, error) {
	t.Helper()
	return LoadBytes("t.toml", []byte(src), profile)
}
