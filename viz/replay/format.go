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

// Size caps. Replay files get shared, so a file is checked against these
// before it is read, and its payload while it is decompressed: a small
// crafted file cannot make the viewer allocate more than about ten times
// MaxRawSize. Real replays are far smaller (16 CoinRun episodes of 1000
// steps with action probabilities are about 2.5 MB raw); Marshal refuses
// to write a file over the caps.
const (
	// MaxPayloadSize caps the compressed payload a header may declare.
	MaxPayloadSize = 64 << 20
	// MaxRawSize caps the decompressed payload.
	MaxRawSize = 64 << 20
)

// Typed errors let callers (and tests) tell failure kinds apart; the
// messages returned by Read wrap them with the file name and details.
var (
	ErrBadMagic  = errors.New("not a misgen replay file (bad magic)")
	ErrVersion   = errors.New("unsupported replay format version")
	ErrTruncated = errors.New("replay file truncated")
	ErrChecksum  = errors.New("replay checksum mismatch (file corrupt)")
	ErrCorrupt   = errors.New("replay payload corrupt")
	ErrTooLarge  = errors.New("replay larger than the size cap")
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
// replay the episodes against the games; Load does. A file larger than the
// header and MaxPayloadSize is refused before it is read.
func Read(path string) ([]Episode, error) {
	data, err := readCapped(path, headerSize+MaxPayloadSize)
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

// readCapped reads the file at path, refusing one over limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, fmt.Errorf("%s: %w: the file has %d bytes, the cap is %d", path, ErrTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: the file is over %d bytes", path, ErrTooLarge, limit)
	}
	return data, nil
}

// Marshal encodes eps as the bytes of a replay file. Episodes that encode
// to more than MaxRawSize bytes are refused (ErrTooLarge): Read could not
// read the file back.
func Marshal(eps []Episode) ([]byte, error) {
	var raw bytes.Buffer
	if err := encodeEpisodes(&raw, eps); err != nil {
		return nil, err
	}
	if raw.Len() > MaxRawSize {
		return nil, fmt.Errorf("replay: %w: %d episodes encode to %d bytes, over the %d-byte cap; record fewer (eval.replays)", ErrTooLarge, len(eps), raw.Len(), MaxRawSize)
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
// ErrVersion, ErrTruncated, ErrChecksum, ErrCorrupt or ErrTooLarge (a
// declared payload over MaxPayloadSize, or one that decompresses to more
// than MaxRawSize bytes).
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
	case size > MaxPayloadSize:
		return nil, fmt.Errorf("%w: header declares a %d-byte payload, the cap is %d", ErrTooLarge, size, MaxPayloadSize)
	case uint64(len(payload)) < size:
		return nil, fmt.Errorf("%w: header announces %d payload bytes, file has %d", ErrTruncated, size, len(payload))
	case uint64(len(payload)) > size:
		return nil, fmt.Errorf("%w: %d bytes after the announced %d-byte payload", ErrCorrupt, uint64(len(payload))-size, size)
	}
	if got, want := crc32.ChecksumIEEE(payload), binary.LittleEndian.Uint32(data[20:]); got != want {
		return nil, fmt.Errorf("%w: payload CRC-32 %08x, header says %08x", ErrChecksum, got, want)
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(payload)), MaxRawSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: decompressing: %v", ErrCorrupt, err)
	}
	if len(raw) > MaxRawSize {
		return nil, fmt.Errorf("%w: the %d-byte payload decompresses to more than %d bytes", ErrTooLarge, size, MaxRawSize)
	}
	eps, err := decodeEpisodes(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return eps, nil
}
