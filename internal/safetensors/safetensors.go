// Package safetensors reads and writes the safetensors file format
// (https://github.com/huggingface/safetensors), the format PyTorch,
// SAELens and most interpretability tooling load weights from:
//
//	8 bytes   N, the header length, unsigned little-endian
//	N bytes   a UTF-8 JSON object: for every tensor name
//	          {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]},
//	          plus an optional "__metadata__" object of string → string;
//	          it starts with '{' and may be padded with trailing spaces
//	rest      the byte buffer: every tensor's values, little-endian, C order,
//	          at [BEGIN, END) relative to the start of the buffer
//
// Write pads the header with spaces so the buffer starts 8-byte aligned, and
// lays tensors out in the order given, contiguously. Decode enforces the
// rules the reference (Rust) implementation validates: a header of at most
// 100 MB that starts with '{', no duplicate names, known dtypes, offsets
// that match each tensor's shape and dtype, and tensors that tile the whole
// byte buffer without gaps or overlaps.
//
// misgen writes the format itself rather than through
// github.com/nlpodyssey/safetensors: that module has no release (one
// untagged 2025 snapshot on the Go module proxy) and pulls in testify; the
// format needs about two hundred lines.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/misgen/misgen/internal/atomicfile"
)

// DType is a tensor element type, spelled as in the format ("F32", "I64").
type DType string

// The element types of the format.
const (
	BOOL DType = "BOOL"
	U8   DType = "U8"
	I8   DType = "I8"
	U16  DType = "U16"
	I16  DType = "I16"
	F16  DType = "F16"
	BF16 DType = "BF16"
	U32  DType = "U32"
	I32  DType = "I32"
	F32  DType = "F32"
	U64  DType = "U64"
	I64  DType = "I64"
	F64  DType = "F64"
)

var dtypeSizes = map[DType]int{
	BOOL: 1, U8: 1, I8: 1, U16: 2, I16: 2, F16: 2, BF16: 2,
	U32: 4, I32: 4, F32: 4, U64: 8, I64: 8, F64: 8,
}

// Size is the number of bytes of one element, or 0 for an unknown dtype.
func (d DType) Size() int { return dtypeSizes[d] }

// MetadataKey is the reserved header key of the string → string metadata.
const MetadataKey = "__metadata__"

// MaxHeader is the largest header length accepted (the reference
// implementation's limit).
const MaxHeader = 100_000_000

// Tensor is one named tensor: its element type, shape and raw little-endian
// bytes in C (row-major) order. A tensor returned by Decode aliases the
// decoded buffer.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Float32 returns a float32 tensor of v with the given shape (the product
// of shape must be len(v); a nil or empty shape is a scalar).
func Float32(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: append([]int{}, shape...), Data: b}
}

// Float32s decodes an F32 tensor's values.
func (t Tensor) Float32s() ([]float32, error) {
	if t.DType != F32 {
		return nil, fmt.Errorf("safetensors: tensor %q is %s, not F32", t.Name, t.DType)
	}
	if len(t.Data)%4 != 0 {
		return nil, fmt.Errorf("safetensors: tensor %q has %d bytes, not a multiple of 4", t.Name, len(t.Data))
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Elements is the product of the shape (1 for a scalar), or −1 when it
// overflows.
func (t Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt64/int64(d)) {
			return -1
		}
		n *= int64(d)
	}
	return n
}

// check reports a tensor whose data does not match its dtype and shape.
func (t Tensor) check() error {
	size := t.DType.Size()
	if size == 0 {
		return fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n := t.Elements()
	if n < 0 || n > math.MaxInt64/int64(size) {
		return fmt.Errorf("tensor %q: shape %v is negative or too large", t.Name, t.Shape)
	}
	if n*int64(size) != int64(len(t.Data)) {
		return fmt.Errorf("tensor %q: %s shape %v needs %d bytes, has %d", t.Name, t.DType, t.Shape, n*int64(size), len(t.Data))
	}
	return nil
}

// File is a decoded safetensors file: tensors in byte-buffer order and the
// header metadata (nil when the file has none).
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Write encodes tensors (laid out in the order given) and metadata to w.
// Names must be unique, non-empty and not MetadataKey.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes a safetensors file atomically (internal/atomicfile).
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return Write(w, tensors, metadata) }); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// encodeHeader returns the JSON header, padded with spaces so that 8 + its
// length is a multiple of 8. Entries appear in layout order, metadata first.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if metadata != nil {
		meta, err := json.Marshal(metadata) // sorted keys: deterministic
		if err != nil {
			return nil, err
		}
		b.WriteString(strconv.Quote(MetadataKey) + ":")
		b.Write(meta)
	}
	seen := map[string]bool{}
	var offset int64
	for i, t := range tensors {
		if t.Name == "" || t.Name == MetadataKey || seen[t.Name] {
			return nil, fmt.Errorf("safetensors: tensor %d: name %q is empty, reserved or repeated", i, t.Name)
		}
		seen[t.Name] = true
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("safetensors: %w", err)
		}
		if metadata != nil || i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(t.Name)
		if err != nil {
			return nil, err
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		info, err := json.Marshal(tensorInfo{DType: t.DType, Shape: shape, Offsets: [2]int64{offset, offset + int64(len(t.Data))}})
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(info)
		offset += int64(len(t.Data))
	}
	b.WriteByte('}')
	for (8+b.Len())%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// tensorInfo is one tensor's header entry.
type tensorInfo struct {
	DType   DType    `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// ErrFormat marks a file that is not valid safetensors.
var ErrFormat = errors.New("not a valid safetensors file")

// ReadFile reads and decodes a safetensors file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

// Decode parses and validates a whole safetensors file held in b. The
// returned tensors alias b. Errors wrap ErrFormat.
func Decode(b []byte) (*File, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if len(b) < 8 {
		return nil, bad("%d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeader {
		return nil, bad("header length %d exceeds %d", n, MaxHeader)
	}
	if n > uint64(len(b)-8) {
		return nil, bad("header length %d, only %d bytes follow", n, len(b)-8)
	}
	header, buf := b[8:8+n], b[8+n:]
	if len(header) == 0 || header[0] != '{' {
		return nil, bad("header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, bad("header is not valid UTF-8")
	}
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, bad("header: %v", err)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].info.Offsets[0] < entries[j].info.Offsets[0] })
	f := &File{Metadata: meta}
	var end int64
	for _, e := range entries {
		begin, stop := e.info.Offsets[0], e.info.Offsets[1]
		if begin != end || stop < begin || stop > int64(len(buf)) {
			return nil, bad("tensor %q: data_offsets [%d, %d] do not continue the buffer at %d (buffer %d bytes)", e.name, begin, stop, end, len(buf))
		}
		t := Tensor{Name: e.name, DType: e.info.DType, Shape: e.info.Shape, Data: buf[begin:stop:stop]}
		if err := t.check(); err != nil {
			return nil, bad("%v", err)
		}
		f.Tensors = append(f.Tensors, t)
		end = stop
	}
	if end != int64(len(buf)) {
		return nil, bad("tensors cover %d of the %d buffer bytes", end, len(buf))
	}
	return f, nil
}

type headerEntry struct {
	name string
	info tensorInfo
}

// parseHeader decodes the header object. Repeated keys, unknown or missing
// fields and non-string metadata values are errors (encoding/json alone
// would keep the last of two equal keys silently).
func parseHeader(header []byte) ([]headerEntry, map[string]string, error) {
	fields, err := objectFields(bytes.TrimRight(header, " "))
	if err != nil {
		return nil, nil, err
	}
	var entries []headerEntry
	var meta map[string]string
	for _, f := range fields {
		if f.key == MetadataKey {
			if meta, err = parseMetadata(f.raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		info, err := parseInfo(f.raw)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", f.key, err)
		}
		entries = append(entries, headerEntry{f.key, info})
	}
	return entries, meta, nil
}

type field struct {
	key string
	raw json.RawMessage
}

// objectFields splits the JSON object raw into its fields in order,
// rejecting repeated keys and anything after the object.
func objectFields(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("key %q: %v", key, err)
		}
		out = append(out, field{key, v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if dec.InputOffset() != int64(len(raw)) {
		return nil, fmt.Errorf("%d bytes after the JSON object", int64(len(raw))-dec.InputOffset())
	}
	return out, nil
}

// parseMetadata accepts an object of string values only.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	fields, err := objectFields(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", MetadataKey, err)
	}
	meta := make(map[string]string, len(fields))
	for _, f := range fields {
		var s *string
		if err := json.Unmarshal(f.raw, &s); err != nil || s == nil {
			return nil, fmt.Errorf("%s[%q] = %s: want a string", MetadataKey, f.key, f.raw)
		}
		meta[f.key] = *s
	}
	return meta, nil
}

// parseInfo decodes one tensor entry: exactly dtype, shape (non-negative
// integers) and data_offsets (two integers).
func parseInfo(raw json.RawMessage) (tensorInfo, error) {
	fields, err := objectFields(raw)
	if err != nil {
		return tensorInfo{}, err
	}
	var info tensorInfo
	var offsets []int64
	got := 0
	for _, f := range fields {
		var err error
		switch f.key {
		case "dtype":
			err = json.Unmarshal(f.raw, &info.DType)
		case "shape":
			err = json.Unmarshal(f.raw, &info.Shape)
		case "data_offsets":
			err = json.Unmarshal(f.raw, &offsets)
		default:
			err = fmt.Errorf("unknown field")
		}
		if err != nil {
			return tensorInfo{}, fmt.Errorf("%s: %v", f.key, err)
		}
		got++
	}
	if got != 3 || info.Shape == nil || len(offsets) != 2 {
		return tensorInfo{}, fmt.Errorf("want dtype, shape and two data_offsets")
	}
	for _, d := range info.Shape {
		if d < 0 {
			return tensorInfo{}, fmt.Errorf("negative dimension in shape %v", info.Shape)
		}
	}
	info.Offsets = [2]int64{offsets[0], offsets[1]}
	return info, nil
}
