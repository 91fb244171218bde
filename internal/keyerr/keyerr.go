// Package keyerr is misgen's one error type for an invalid config key.
//
// A package validates its own config struct and reports keys relative to
// that struct's table ("size", "obs.view", "widths[2]"); it never spells the
// table the struct is decoded from. The package that knows where the struct
// lives in the experiment file adds that path with Under ("env.maze." +
// "size"), and the experiment loader adds the file name. Nothing is parsed
// back out of message strings.
package keyerr

import (
	"errors"
	"fmt"
	"strings"
)

// Error is an invalid value (or a missing or unknown key) at Key.
//
// Key is a dotted path relative to the table the validating code owns, and
// grows as Under adds the enclosing tables' names. Key may be empty for an
// error about a whole table (a syntax error, a failed cross-key rule with no
// single key to blame); Table then names where it happened.
type Error struct {
	Key   string // dotted key path, e.g. "size" or "env.maze.size"; may be ""
	Table string // enclosing table path when Key is "", e.g. "env.maze"
	Msg   string // what is wrong, without the key: "= 4: want odd in [5, 63]"
	// Unknown marks a key the schema does not have; Msg then lists the
	// keys allowed there ("want one of a, b"), or is "".
	Unknown bool
	// Where locates the error in its source when the key alone does not,
	// e.g. "line 12" or "sweep point 0.2 (sweep.values[1])"; it is
	// rendered first.
	Where string
}

// Error renders "[where: ]key = value: want ...", "[where: ]key: msg" or
// "[where: ]table: msg".
func (e *Error) Error() string {
	s := e.Msg
	switch {
	case e.Unknown:
		s = fmt.Sprintf("unknown key %q", e.Key)
		if e.Msg != "" {
			s += ": " + e.Msg
		}
	case e.Key != "" && strings.HasPrefix(e.Msg, "= "):
		s = e.Key + " " + e.Msg
	case e.Key != "":
		s = e.Key + ": " + e.Msg
	case e.Table != "":
		s = e.Table + ": " + e.Msg
	}
	if e.Where != "" {
		s = e.Where + ": " + s
	}
	return s
}

// New reports key = value outside want: "key = value: want <want>".
// String values are quoted.
func New(key string, value any, want string) *Error {
	v := fmt.Sprint(value)
	if s, ok := value.(string); ok {
		v = fmt.Sprintf("%q", s)
	}
	return &Error{Key: key, Msg: "= " + v + ": want " + want}
}

// Unknown reports a key the schema does not have; want lists the keys
// allowed in its table ("want one of a, b") or is "".
func Unknown(key, want string) *Error {
	return &Error{Key: key, Unknown: true, Msg: want}
}

// Errorf reports a free-form problem with key: "key: <msg>".
func Errorf(key, format string, args ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Under places err inside the table at path (dotted, no trailing dot): a
// *Error's key becomes path.key, and any other error becomes an *Error of
// that table with err's message. Under(path, nil) is nil.
func Under(path string, err error) error {
	if err == nil {
		return nil
	}
	if path == "" {
		return As(err)
	}
	var ke *Error
	if !errors.As(err, &ke) {
		return &Error{Table: path, Msg: err.Error()}
	}
	out := *ke
	switch {
	case out.Key != "":
		out.Key = path + "." + out.Key
	case out.Table != "":
		out.Table = path + "." + out.Table
	default:
		out.Table = path
	}
	return &out
}

// As returns err as an *Error, wrapping an error of another type as one
// with no key. As(nil) is nil.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	return &Error{Msg: err.Error()}
}

// At returns a copy of err as an *Error located at where (see Error.Where);
// an existing location is kept after the new one.
func At(where string, err error) error {
	if err == nil || where == "" {
		return err
	}
	out := *As(err)
	if out.Where != "" {
		where += ": " + out.Where
	}
	out.Where = where
	return &out
}

// Path is the key if set, else the table: the place the error names.
func (e *Error) Path() string {
	if e.Key != "" {
		return e.Key
	}
	return e.Table
}
