package export

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/misgen/misgen/internal/atomicfile"
)

// NPY files follow the NumPy format specification (format version 1.0, or
// 2.0 when the header needs more than 65535 bytes):
//
//	"\x93NUMPY" | major u8 | minor u8 | header length (u16 LE in 1.0, u32 in 2.0)
//	header: a Python dict literal {'descr': ..., 'fortran_order': False,
//	        'shape': (...), } padded with spaces and ended by '\n' so that
//	        the whole preamble is a multiple of 64 bytes
//	data: C-order values, little-endian
//
// misgen writes the format itself. codeberg.org/sbinet/npyio (v0.14.0) was
// the first choice, but it discovers the dtype by reflecting over every
// element (~1.3 s per million float32 values here, several seconds for one
// run's activations) and pads its header to neither 16 nor 64 bytes. Its
// reader and NumPy's are used in the tests to check these files.

// npyAlign is the alignment of the data start that the spec requires.
const npyAlign = 64

// npyHeader returns the magic, version, length and padded header for an
// array of dtype descr (a Python literal: "'<f4'" or a list of fields) and
// shape.
func npyHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': %s, 'fortran_order': False, 'shape': %s, }", descr, tuple)
	major, lenBytes := byte(1), 2
	if len(dict)+1+10 > math.MaxUint16 {
		major, lenBytes = 2, 4
	}
	pre := 6 + 2 + lenBytes
	pad := (npyAlign - (pre+len(dict)+1)%npyAlign) % npyAlign
	hlen := len(dict) + pad + 1
	out := append([]byte("\x93NUMPY"), major, 0)
	if lenBytes == 2 {
		out = binary.LittleEndian.AppendUint16(out, uint16(hlen))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(hlen))
	}
	out = append(out, dict...)
	out = append(out, strings.Repeat(" ", pad)...)
	return append(out, '\n')
}

// writeNPYFloat32 atomically writes v as a float32 array of the given shape.
func writeNPYFloat32(path string, shape []int, v []float32) error {
	if n := product(shape); n != len(v) {
		panic(fmt.Sprintf("export: shape %v holds %d values, not %d", shape, n, len(v)))
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.Write(npyHeader("'<f4'", shape))
		var b [4]byte
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			bw.Write(b[:])
		}
		return bw.Flush()
	})
}

// column is one field of a structured (record) array.
type column struct {
	name  string
	descr string // NumPy type string, e.g. "<f8", "<i4", "|b1", "<U12"
	size  int    // bytes per value
	put   func(dst []byte, row int)
}

func f64Column(name string, v []float64) column {
	return column{name, "<f8", 8, func(dst []byte, r int) { binary.LittleEndian.PutUint64(dst, math.Float64bits(v[r])) }}
}

func f32Column(name string, v func(int) float32) column {
	return column{name, "<f4", 4, func(dst []byte, r int) { binary.LittleEndian.PutUint32(dst, math.Float32bits(v(r))) }}
}

func i32Column(name string, v func(int) int32) column {
	return column{name, "<i4", 4, func(dst []byte, r int) { binary.LittleEndian.PutUint32(dst, uint32(v(r))) }}
}

func i16Column(name string, v func(int) int16) column {
	return column{name, "<i2", 2, func(dst []byte, r int) { binary.LittleEndian.PutUint16(dst, uint16(v(r))) }}
}

// boolColumn stores NumPy bools ("|b1", one byte: 0 or 1).
func boolColumn(name string, v func(int) bool) column {
	return column{name, "|b1", 1, func(dst []byte, r int) {
		dst[0] = 0
		if v(r) {
			dst[0] = 1
		}
	}}
}

func u64Column(name string, v func(int) uint64) column {
	return column{name, "<u8", 8, func(dst []byte, r int) { binary.LittleEndian.PutUint64(dst, v(r)) }}
}

// strColumn stores strings as fixed-width UTF-32 ("<U<width>"), NumPy's
// str dtype; longer values are cut to width code points.
func strColumn(name string, width int, v func(int) string) column {
	width = max(width, 1)
	return column{name, "<U" + strconv.Itoa(width), 4 * width, func(dst []byte, r int) {
		clear(dst)
		for i, c := range []rune(v(r)) {
			if i == width {
				break
			}
			binary.LittleEndian.PutUint32(dst[4*i:], uint32(c))
		}
	}}
}

// maxRunes is the length in code points of the longest of ss.
func maxRunes(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len([]rune(s)))
	}
	return n
}

// writeNPYRecords atomically writes a 1-D structured array of rows records
// with the given columns (names must be unique and non-empty).
func writeNPYRecords(path string, rows int, cols []column) error {
	fields := make([]string, len(cols))
	width := 0
	seen := map[string]bool{}
	for i, c := range cols {
		if c.name == "" || seen[c.name] {
			return fmt.Errorf("export: %s: column name %q is empty or repeated", path, c.name)
		}
		seen[c.name] = true
		fields[i] = fmt.Sprintf("(%s, '%s')", pyString(c.name), c.descr)
		width += c.size
	}
	descr := "[" + strings.Join(fields, ", ") + "]"
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.Write(npyHeader(descr, []int{rows}))
		rec := make([]byte, width)
		for r := 0; r < rows; r++ {
			off := 0
			for _, c := range cols {
				c.put(rec[off:off+c.size], r)
				off += c.size
			}
			bw.Write(rec)
		}
		return bw.Flush()
	})
}

// pyString quotes an ASCII identifier-like name as a Python string literal.
func pyString(s string) string {
	for _, c := range s {
		if c < 0x20 || c > 0x7e || c == '\'' || c == '\\' {
			panic(fmt.Sprintf("export: field name %q is not plain ASCII", s))
		}
	}
	return "'" + s + "'"
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
