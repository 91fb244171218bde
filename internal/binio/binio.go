// Package binio decodes the little-endian binary file formats of misgen
// (named tensor files, activation stores) with a sticky error, so a parser
// reads a whole header and checks for truncation once.
package binio

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Reader consumes a byte slice front to back. After the first read past the
// end every read returns zero values and Err reports the truncation.
type Reader struct {
	b   []byte
	Err error
}

// NewReader reads b (not copied).
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Remaining is the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) }

// Fail records err unless an error is already recorded.
func (r *Reader) Fail(err error) {
	if r.Err == nil {
		r.Err = err
	}
}

// Bytes returns the next n bytes (a sub-slice, not a copy).
func (r *Reader) Bytes(n int) []byte {
	if r.Err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.Err = fmt.Errorf("truncated: need %d bytes, have %d", n, len(r.b))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// Count checks a declared number of items, each taking at least minBytes
// bytes of what follows, against the bytes left, and returns it as an int.
// A count that cannot fit fails the reader with an error naming what, so a
// decoder never sizes a loop or an allocation by a corrupt header: every
// count and length a file declares is capped by the file's own size.
// minBytes < 1 counts as 1.
func (r *Reader) Count(n uint64, minBytes int, what string) int {
	if r.Err != nil {
		return 0
	}
	minBytes = max(minBytes, 1)
	if n > uint64(len(r.b)/minBytes) {
		r.Err = fmt.Errorf("%s: %d declared, at most %d fit in the %d bytes left", what, n, len(r.b)/minBytes, len(r.b))
		return 0
	}
	return int(n)
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if b := r.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a little-endian uint16.
func (r *Reader) U16() uint16 {
	if b := r.Bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

// U32 reads a little-endian uint32.
func (r *Reader) U32() uint32 {
	if b := r.Bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// U64 reads a little-endian uint64.
func (r *Reader) U64() uint64 {
	if b := r.Bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// Str reads a string prefixed by its uint16 length.
func (r *Reader) Str() string { return string(r.Bytes(int(r.U16()))) }

// OpenFramed checks the framing misgen's checksummed files share — magic
// bytes, a little-endian uint32 version, the body, and a trailing CRC-32
// (IEEE) of every byte before it — and returns a Reader positioned after
// the version. minLen is the smallest size a valid file can have. Errors
// say which check failed; callers wrap them with their format's sentinel
// error.
func OpenFramed(b []byte, magic string, version uint32, minLen int) (*Reader, error) {
	if len(b) < max(minLen, len(magic)+8) || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("bad magic or too short (%d bytes)", len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("checksum mismatch")
	}
	rd := NewReader(body[len(magic):])
	if v := rd.U32(); v != version {
		return nil, fmt.Errorf("version %d, this build reads %d", v, version)
	}
	return rd, nil
}
