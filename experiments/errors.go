package experiments

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ConfigError is an invalid experiment config. Its message names the file,
// the full key path and, where there is one, the allowed values:
//
//	coinrun-ood.toml: ppo.gamma = 1.5: want (0, 1]
//	coinrun-ood.toml: unknown key "ppo.gamam": want one of ...
//
// The CLI maps it to exit status 2.
type ConfigError struct {
	File string // file name as given to Load, or "" for an in-memory config
	Key  string // full dotted key path, "" for syntax errors
	Msg  string // the rest of the message, starting with the key when Key != ""
}

func (e *ConfigError) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

// keyError is a validation failure before the file name is known.
type keyError struct {
	key string
	msg string // full message, beginning with key
}

func (e *keyError) Error() string { return e.msg }

// keyErr reports key = value outside want.
func keyErr(key, value, want string) error {
	return &keyError{key: key, msg: fmt.Sprintf("%s = %s: want %s", key, value, want)}
}

// keyPrefix matches the key at the start of the validation messages of
// agents.PolicyConfig, agents.PPOConfig and envs.ObsConfig ("ppo.gamma =
// 1.5: want (0, 1]", "agent.widths is empty: ...").
var keyPrefix = regexp.MustCompile(`^([A-Za-z0-9_.\[\]]+) (=|is) `)

// asKeyError recovers the key from another package's validation message.
func asKeyError(err error) error {
	var ke *keyError
	if errors.As(err, &ke) {
		return err
	}
	msg := err.Error()
	if m := keyPrefix.FindStringSubmatch(msg); m != nil {
		return &keyError{key: m[1], msg: msg}
	}
	return &keyError{msg: msg}
}

// prefixKey qualifies a validation message from a sub-config (whose keys are
// relative, like "obs.view" or "coin") with the table it lives in.
func prefixKey(prefix string, err error) error {
	ke := asKeyError(err).(*keyError)
	if ke.key == "" {
		return &keyError{msg: strings.TrimSuffix(prefix, ".") + ": " + ke.msg}
	}
	if strings.HasPrefix(ke.key, prefix) {
		return ke
	}
	return &keyError{key: prefix + ke.key, msg: prefix + ke.msg}
}

// tomlErrPattern matches BurntSushi/toml's decode errors, e.g.
// `toml: line 5 (last key "ppo.gamma"): incompatible types: ...`.
var tomlErrPattern = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

var tomlTypePattern = regexp.MustCompile(`incompatible types: TOML value has type (.*); destination has type (.*)$`)

// decodeErr converts a toml decode error into a keyError naming the key,
// rewriting the library's type-mismatch message into "want <type>".
func decodeErr(err error, keyPrefixPath string) error {
	msg := err.Error()
	key, line, rest := "", "", msg
	if m := tomlErrPattern.FindStringSubmatch(msg); m != nil {
		line, key, rest = m[1], m[2], m[3]
	} else if pe, ok := asParseError(err); ok {
		key, rest = pe.LastKey, pe.Message
		if pe.Position.Line > 0 {
			line = fmt.Sprint(pe.Position.Line)
		}
	}
	if key != "" && keyPrefixPath != "" {
		key = keyPrefixPath + key
	}
	if m := tomlTypePattern.FindStringSubmatch(rest); m != nil {
		rest = fmt.Sprintf("wrong type %s: want %s", tomlTypeWord(m[1]), goTypeWord(m[2]))
	}
	var b strings.Builder
	if line != "" {
		b.WriteString("line " + line + ": ")
	}
	if key != "" {
		b.WriteString(key + ": ")
	}
	b.WriteString(strings.TrimPrefix(rest, "toml: "))
	return &keyError{key: key, msg: b.String()}
}

// tomlTypeWord names the decoded TOML value's Go type as a TOML type.
func tomlTypeWord(goType string) string {
	switch {
	case goType == "int64":
		return "integer"
	case goType == "float64":
		return "float"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case strings.HasPrefix(goType, "map"):
		return "table"
	}
	return goType
}

// goTypeWord names a Go destination kind in TOML terms.
func goTypeWord(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	case goType == "slice" || strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), goType == "struct", strings.Contains(goType, "."):
		return "a table"
	}
	return goType
}
