package replay

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frame wraps a compressed payload in a replay header declaring size
// payload bytes.
func frame(payload []byte, size uint64) []byte {
	data := make([]byte, headerSize, headerSize+len(payload))
	copy(data, magic)
	binary.LittleEndian.PutUint16(data[8:], Version)
	binary.LittleEndian.PutUint64(data[12:], size)
	binary.LittleEndian.PutUint32(data[20:], crc32.ChecksumIEEE(payload))
	return append(data, payload...)
}

// TestSizeCaps: small crafted files that declare, or decompress to, more
// than the caps are refused with ErrTooLarge, before the memory is spent.
func TestSizeCaps(t *testing.T) {
	// A 24-byte file whose header declares a terabyte payload.
	huge := frame(nil, 1<<40)
	if _, err := Unmarshal(huge); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "declares a 1099511627776-byte payload") {
		t.Errorf("declared 1 TB: %v", err)
	}
	// The largest declared payload allowed is checked against the file.
	if _, err := Unmarshal(frame(nil, MaxPayloadSize)); !errors.Is(err, ErrTruncated) {
		t.Errorf("declared MaxPayloadSize in an empty file: %v", err)
	}

	// A deflate bomb: MaxRawSize+1 zero bytes compress to about 64 KB.
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestSpeed)
	zeros := make([]byte, 1<<20)
	for n := 0; n <= MaxRawSize; n += len(zeros) {
		zw.Write(zeros[:min(len(zeros), MaxRawSize+1-n)])
	}
	zw.Close()
	bomb := frame(z.Bytes(), uint64(z.Len()))
	if len(bomb) > 1<<20 {
		t.Fatalf("the crafted file is %d bytes, not small", len(bomb))
	}
	_, err := Unmarshal(bomb)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "decompresses to more than 67108864 bytes") {
		t.Errorf("deflate bomb of %d bytes: %v", len(bomb), err)
	}
	// Exactly MaxRawSize bytes decompress (and then fail to decode).
	z.Reset()
	zw.Reset(&z)
	for n := 0; n < MaxRawSize; n += len(zeros) {
		zw.Write(zeros)
	}
	zw.Close()
	if _, err := Unmarshal(frame(z.Bytes(), uint64(z.Len()))); errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("payload of exactly MaxRawSize: %v", err)
	}

	// A file over the cap is refused before it is read (a sparse file:
	// no disk used).
	path := filepath.Join(t.TempDir(), "big"+Ext)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(frame(nil, 0))
	f.Truncate(headerSize + MaxPayloadSize + 1)
	f.Close()
	if _, err := Read(path); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Errorf("oversized file: %v", err)
	}

	// Marshal refuses what Read could not read back.
	big := []Episode{{Game: "coinrun", Variant: "train", Config: bytes.Repeat([]byte("#"), MaxRawSize)}}
	if _, err := Marshal(big); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "eval.replays") {
		t.Errorf("Marshal of an oversized episode: %v", err)
	}
}

// TestEpisodeCountBounded: a payload that claims many episodes in few
// bytes is refused rather than allocated.
func TestEpisodeCountBounded(t *testing.T) {
	var raw bytes.Buffer
	e := encoder{buf: &raw}
	e.u(1 << 20)                   // a million episodes...
	raw.Write(make([]byte, 1<<20)) // ...in a megabyte: under 12 bytes each
	if _, err := decodeEpisodes(raw.Bytes()); err == nil || !strings.Contains(err.Error(), "count 1048576 does not fit") {
		t.Errorf("decode: %v", err)
	}
}
