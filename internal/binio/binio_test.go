package binio

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

func TestReaderDecodesAndStopsAtTruncation(t *testing.T) {
	b := []byte{7, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 'h', 'i', 9}
	r := NewReader(b)
	if v := r.U8(); v != 7 {
		t.Errorf("U8 = %d", v)
	}
	if v := r.U16(); v != 1 {
		t.Errorf("U16 = %d", v)
	}
	if v := r.U32(); v != 2 {
		t.Errorf("U32 = %d", v)
	}
	if v := r.U64(); v != 3 {
		t.Errorf("U64 = %d", v)
	}
	if v := r.Str(); v != "hi" {
		t.Errorf("Str = %q", v)
	}
	if r.Remaining() != 1 || r.Err != nil {
		t.Fatalf("remaining %d, err %v", r.Remaining(), r.Err)
	}
	if v := r.U32(); v != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "truncated") {
		t.Errorf("read past end: %d, %v", v, r.Err)
	}
	first := r.Err
	r.Fail(nil)
	if r.U8() != 0 || r.Err != first {
		t.Error("error not sticky")
	}
}

func TestCountCapsDeclaredSizes(t *testing.T) {
	r := NewReader(make([]byte, 10))
	if n := r.Count(5, 2, "pairs"); n != 5 || r.Err != nil {
		t.Fatalf("5 pairs in 10 bytes: %d, %v", n, r.Err)
	}
	if n := r.Count(10, 0, "bytes"); n != 10 || r.Err != nil {
		t.Fatalf("10 bytes in 10: %d, %v", n, r.Err)
	}
	for _, n := range []uint64{6, 1 << 40, ^uint64(0)} {
		r := NewReader(make([]byte, 10))
		if got := r.Count(n, 2, "pairs"); got != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "pairs: ") {
			t.Errorf("%d pairs in 10 bytes: %d, %v", n, got, r.Err)
		}
		if r.Bytes(1) != nil {
			t.Error("error not sticky after Count")
		}
	}
}

func TestOpenFramed(t *testing.T) {
	frame := func(magic string, version uint32, body []byte) []byte {
		b := append([]byte(magic), binary.LittleEndian.AppendUint32(nil, version)...)
		b = append(b, body...)
		return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	}
	good := frame("MGXX", 3, []byte{7, 0, 0, 0})
	rd, err := OpenFramed(good, "MGXX", 3, 8)
	if err != nil || rd.U32() != 7 || rd.Remaining() != 0 {
		t.Fatalf("good frame: %v", err)
	}
	flipped := append([]byte(nil), good...)
	flipped[9] ^= 1
	for i, c := range []struct {
		b    []byte
		want string
	}{
		{good[:6], "too short"},
		{frame("MGYY", 3, nil), "bad magic"},
		{frame("MGXX", 4, nil), "version 4, this build reads 3"},
		{flipped, "checksum mismatch"},
	} {
		if _, err := OpenFramed(c.b, "MGXX", 3, 8); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want %q", i, err, c.want)
		}
	}
}
