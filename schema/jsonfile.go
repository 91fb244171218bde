package schema

import (
	"encoding/json"

	"github.com/misgen/misgen/internal/atomicfile"
)

// EncodeJSON is the encoding of every JSON result file: v indented by two
// spaces, fields in declaration order, with a final newline.
func EncodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// EncodeJSONLine is the encoding of one line of a JSON-lines result file
// (a training log): v compact, with a final newline.
func EncodeJSONLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteJSON atomically writes EncodeJSON(v) to path.
func WriteJSON(path string, v any) error {
	b, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}
