package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/misgen/misgen/internal/keyerr"
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

// ErrorIn places a validation or decode error in file. The key and
// location come from the *keyerr.Error; nothing is parsed from messages.
func ErrorIn(file string, err error) *ConfigError {
	ke := keyerr.As(err)
	return &ConfigError{File: file, Key: ke.Key, Msg: ke.Error()}
}

// keyErr reports key = value outside want, with value already formatted
// as the user wrote it (quoted strings, arrays).
func keyErr(key, value, want string) error {
	return &keyerr.Error{Key: key, Msg: "= " + value + ": want " + want}
}

// tomlErrPattern matches BurntSushi/toml's decode errors, e.g.
// `toml: line 5 (last key "ppo.gamma"): incompatible types: ...`.
var tomlErrPattern = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

var tomlTypePattern = regexp.MustCompile(`incompatible types: TOML value has type (.*); destination has type (.*)$`)

// decodeErr converts a toml decode error into a *keyerr.Error naming the
// key and line, rewriting the library's type-mismatch message into
// "want <type>".
func decodeErr(err error) *keyerr.Error {
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
	if m := tomlTypePattern.FindStringSubmatch(rest); m != nil {
		rest = fmt.Sprintf("wrong type %s: want %s", tomlTypeWord(m[1]), goTypeWord(m[2]))
	}
	ke := &keyerr.Error{Key: key, Msg: strings.TrimPrefix(rest, "toml: ")}
	if line != "" {
		ke.Where = "line " + line
	}
	return ke
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
