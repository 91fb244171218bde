package torch

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzReadNamed decodes arbitrary bytes as a named-tensor file, as they are
// and with a valid trailing CRC appended (seeds are stored without it), so
// that mutations reach the header and tensor records. Whatever decodes
// must write back to the same bytes.
func FuzzReadNamed(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteHost(&buf, []HostTensor{
		{Name: "w", Shape: []int64{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "steps", Shape: []int64{2}, Ints: []int64{7, -1}},
		{Name: "empty", Shape: []int64{0, 4}, Data: []float32{}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes()[:buf.Len()-4])
	f.Add([]byte("MGTS\x01\x00\x00\x00\xff\xff\xff\xff")) // 2^32-1 tensors declared
	f.Fuzz(func(t *testing.T, b []byte) {
		withCRC := binary.LittleEndian.AppendUint32(append([]byte(nil), b...), crc32.ChecksumIEEE(b))
		for _, in := range [][]byte{b, withCRC} {
			ts, err := ReadNamed(bytes.NewReader(in))
			if err != nil {
				continue
			}
			var out bytes.Buffer
			if err := WriteHost(&out, ts); err != nil {
				t.Fatalf("decoded tensors do not write back: %v", err)
			}
			if !bytes.Equal(out.Bytes(), in) {
				t.Fatalf("round trip changed %d bytes into %d", len(in), out.Len())
			}
		}
	})
}
