package replay

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/misgen/misgen/internal/atomicfile"
)

// File layout (all integers little-endian):
//
//	offset  size  field
//	0       8     magic "MISGENRP"
//	8       2     format version (Version)
//	10      2     reserved, zero
//	12      8     payload length in bytes
//	20      4     CRC-32 (IEEE) of the payload
//	24      ...   payload: DEFLATE-compressed episode records (encode.go)
//
// The checksum covers the stored (compressed) payload so corruption is
// reported as a checksum mismatch before decompression is attempted.
const (
	magic      = "MISGENRP"
	headerSize = 24
	// Version is the format version Write produces and Read accepts.
	Version = 1
)

// Typed errors let callers (and tests) tell failure kinds apart; the
// messages returned by Read wrap them with the file name and details.
var (
	ErrBadMagic  = errors.New("not a misgen replay file (bad magic)")
	ErrVersion   = errors.New("unsupported replay format version")
	ErrTruncated = errors.New("replay file truncated")
	ErrChecksum  = errors.New("replay checksum mismatch (file corrupt)")
	ErrCorrupt   = errors.New("replay payload corrupt")
)

// Write atomically replaces path with a replay file holding eps.
func Write(path string, eps []Episode) error {
	data, err := Marshal(eps)
	if err != nil {
		return fmt.Errorf("replay: writing %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// Read reads a replay file and checks its framing and checksum. It does not
// replay the episodes against the games; Load does.
func Read(path string) ([]Episode, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	eps, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("replay: %s: %w", path, err)
	}
	return eps, nil
}

// Load reads a replay file and verifies every episode by replaying it
// (Verify), so what the viewer shows is what the agent did.
func Load(path string) ([]Episode, error) {
	eps, err := Read(path)
	if err != nil {
		return nil, err
	}
	for i := range eps {
		if err := Verify(&eps[i]); err != nil {
			return nil, fmt.Errorf("replay: %s: episode %d: %w", path, i, err)
		}
	}
	return eps, nil
}

// Marshal encodes eps as the bytes of a replay file.
func Marshal(eps []Episode) ([]byte, error) {
	var raw bytes.Buffer
	if err := encodeEpisodes(&raw, eps); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(make([]byte, headerSize))
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	data := out.Bytes()
	payload := data[headerSize:]
	copy(data[0:8], magic)
	binary.LittleEndian.PutUint16(data[8:], Version)
	binary.LittleEndian.PutUint16(data[10:], 0)
	binary.LittleEndian.PutUint64(data[12:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(data[20:], crc32.ChecksumIEEE(payload))
	return data, nil
}

// Unmarshal decodes the bytes of a replay file. Errors wrap ErrBadMagic,
// ErrVersion, ErrTruncated, ErrChecksum or ErrCorrupt.
func Unmarshal(data []byte) ([]Episode, error) {
	n := min(len(data), len(magic))
	if string(data[:n]) != magic[:n] {
		return nil, fmt.Errorf("%w: starts with %q, want %q", ErrBadMagic, data[:n], magic)
	}
	if len(data) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(data), headerSize)
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != Version {
		return nil, fmt.Errorf("%w: file has version %d, this build reads version %d", ErrVersion, v, Version)
	}
	size := binary.LittleEndian.Uint64(data[12:])
	payload := data[headerSize:]
	switch {
	case uint64(len(payload)) < size:
		return nil, fmt.Errorf("%w: header announces %d payload bytes, file has %d", ErrTruncated, size, len(payload))
	case uint64(len(payload)) > size:
		return nil, fmt.Errorf("%w: %d bytes after the announced %d-byte payload", ErrCorrupt, uint64(len(payload))-size, size)
	}
	if got, want := crc32.ChecksumIEEE(payload), binary.LittleEndian.Uint32(data[20:]); got != want {
		return nil, fmt.Errorf("%w: payload CRC-32 %08x, header says %08x", ErrChecksum, got, want)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(payload)))
	if err != nil {
		return nil, fmt.Errorf("%w: decompressing: %v", ErrCorrupt, err)
	}
	eps, err := decodeEpisodes(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return eps, nil
}
