package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestWriteExactBytes pins the layout against a file written out by hand
// from the format description: length, JSON header padded with spaces to
// an 8-byte boundary, then the values.
func TestWriteExactBytes(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, []Tensor{Float32("w", []int{2}, []float32{1, -2}), {Name: "i", DType: I64, Shape: []int{}, Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}}},
		map[string]string{"arch": "mlp"})
	if err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"arch":"mlp"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"i":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`
	for (8+len(header))%8 != 0 {
		header += " "
	}
	var want bytes.Buffer
	binary.Write(&want, binary.LittleEndian, uint64(len(header)))
	want.WriteString(header)
	binary.Write(&want, binary.LittleEndian, []float32{1, -2})
	binary.Write(&want, binary.LittleEndian, int64(7))
	if !bytes.Equal(b.Bytes(), want.Bytes()) {
		t.Errorf("bytes differ\ngot  %q\nwant %q", b.Bytes(), want.Bytes())
	}
}

// randomFile builds tensors of every dtype with random shapes (scalars and
// zero-size tensors included) and random bytes.
func randomFile(rng *rand.Rand) ([]Tensor, map[string]string) {
	dtypes := []DType{BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64}
	var ts []Tensor
	for i := 0; i < rng.IntN(6); i++ {
		dt := dtypes[rng.IntN(len(dtypes))]
		shape := make([]int, rng.IntN(4))
		n := 1
		for j := range shape {
			shape[j] = rng.IntN(4)
			n *= shape[j]
		}
		data := make([]byte, n*dt.Size())
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		ts = append(ts, Tensor{Name: string(rune('a'+i)) + `."é/` + string(rune('0'+rng.IntN(10))), DType: dt, Shape: shape, Data: data})
	}
	var meta map[string]string
	if rng.IntN(2) == 0 {
		meta = map[string]string{"config": `{"widths": [8, 16]}`, "quote\"": "<tab>\t&"}
	}
	return ts, meta
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		ts, meta := randomFile(rng)
		var b bytes.Buffer
		if err := Write(&b, ts, meta); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		n := binary.LittleEndian.Uint64(b.Bytes())
		if (8+n)%8 != 0 || b.Bytes()[8] != '{' {
			t.Fatalf("trial %d: header length %d unaligned or not an object", trial, n)
		}
		f, err := Decode(b.Bytes())
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if len(f.Tensors) != len(ts) || !reflect.DeepEqual(f.Metadata, meta) {
			t.Fatalf("trial %d: %d tensors, metadata %v; want %d, %v", trial, len(f.Tensors), f.Metadata, len(ts), meta)
		}
		for i, got := range f.Tensors {
			want := ts[i]
			if got.Name != want.Name || got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("trial %d tensor %d: got %+v want %+v", trial, i, got, want)
			}
		}
	}
}

func TestFloat32Values(t *testing.T) {
	v := []float32{0, -1.5, float32(math.Inf(1)), math.SmallestNonzeroFloat32, 3e38}
	tn := Float32("x", []int{5}, v)
	got, err := tn.Float32s()
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Errorf("Float32s = %v, %v", got, err)
	}
	if _, err := (Tensor{Name: "y", DType: I64, Data: make([]byte, 8)}).Float32s(); err == nil {
		t.Error("Float32s of an I64 tensor succeeded")
	}
}

func TestWriteRejects(t *testing.T) {
	ok := Float32("a", []int{1}, []float32{1})
	for i, tc := range []struct {
		ts   []Tensor
		want string
	}{
		{[]Tensor{ok, ok}, `name "a" is empty, reserved or repeated`},
		{[]Tensor{{Name: "", DType: F32, Data: make([]byte, 4)}}, "empty, reserved or repeated"},
		{[]Tensor{{Name: MetadataKey, DType: F32, Data: make([]byte, 4)}}, "reserved"},
		{[]Tensor{{Name: "b", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}, "needs 8 bytes, has 4"},
		{[]Tensor{{Name: "b", DType: "F8", Data: make([]byte, 1)}}, `unknown dtype "F8"`},
		{[]Tensor{{Name: "b", DType: F32, Shape: []int{-1}}}, "negative or too large"},
	} {
		err := Write(&bytes.Buffer{}, tc.ts, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err = %v, want %q", i, err, tc.want)
		}
	}
}

// file assembles a file from a raw header and buffer.
func file(header string, buf []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(buf)
	return b.Bytes()
}

func TestDecodeRejects(t *testing.T) {
	f32 := func(name string, shape string, b, e int) string {
		return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + strconv.Itoa(b) + `,` + strconv.Itoa(e) + `]}`
	}
	buf8 := make([]byte, 8)
	for i, tc := range []struct {
		raw  []byte
		want string
	}{
		{[]byte{1, 2, 3}, "shorter than the 8-byte header length"},
		{file("{}", nil)[:9], "only 1 bytes follow"},
		{append(binary.LittleEndian.AppendUint64(nil, MaxHeader+1), "{}"...), "exceeds"},
		{file(" {}", nil), "does not start with '{'"},
		{file("{\"a\xff\":1}", nil), "not valid UTF-8"},
		{file("{"+f32("a", "[2]", 0, 8)+","+f32("a", "[2]", 0, 8)+"}", buf8), `key "a" appears twice`},
		{file("{"+f32("a", "[1]", 0, 4)+"}", buf8), "cover 4 of the 8 buffer bytes"},
		{file("{"+f32("a", "[1]", 4, 8)+"}", buf8), "do not continue the buffer at 0"},
		{file("{"+f32("a", "[1]", 0, 4)+","+f32("b", "[1]", 2, 6)+"}", buf8), `tensor "b": data_offsets [2, 6]`},
		{file("{"+f32("a", "[3]", 0, 8)+"}", buf8), "needs 12 bytes, has 8"},
		{file("{"+f32("a", "[2]", 0, 16)+"}", buf8), "buffer 8 bytes"},
		{file("{"+f32("a", "[-2]", 0, 8)+"}", buf8), "negative dimension"},
		{file(`{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, buf8), `unknown dtype "F33"`},
		{file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, buf8), "x: unknown field"},
		{file(`{"a":{"dtype":"F32","shape":[2]}}`, buf8), "want dtype, shape and two data_offsets"},
		{file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, buf8), "two data_offsets"},
		{file(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, buf8), `key "dtype" appears twice`},
		{file(`{"__metadata__":{"k":1}}`, nil), `__metadata__["k"] = 1: want a string`},
		{file(`{"__metadata__":{"k":"v","k":"w"}}`, nil), `key "k" appears twice`},
		{file(`{"__metadata__":[]}`, nil), "not a JSON object"},
		{file(`{} {}`, nil), "bytes after the JSON object"},
		{file(`{"a":`, nil), "header"},
	} {
		_, err := Decode(tc.raw)
		if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err = %v, want ErrFormat containing %q", i, err, tc.want)
		}
	}
	// Padding with trailing spaces and an empty file are valid.
	if f, err := Decode(file(`{"__metadata__":{"k":"v"}}     `, nil)); err != nil || f.Metadata["k"] != "v" || len(f.Tensors) != 0 {
		t.Errorf("padded metadata-only file: %+v, %v", f, err)
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts survives a
// Write → Decode round trip unchanged (names, dtypes, shapes, bytes,
// metadata).
func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 4; i++ {
		ts, meta := randomFile(rng)
		var b bytes.Buffer
		if err := Write(&b, ts, meta); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		var b bytes.Buffer
		if err := Write(&b, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		again, err := Decode(b.Bytes())
		if err != nil {
			t.Fatalf("decoding the re-encoded file: %v", err)
		}
		if !reflect.DeepEqual(normalise(got), normalise(again)) {
			t.Fatalf("round trip changed the file:\n%+v\n%+v", got, again)
		}
	})
}

// normalise makes decoded files comparable with DeepEqual (empty data
// slices of zero-size tensors may be nil or not).
func normalise(f *File) *File {
	out := &File{Metadata: f.Metadata}
	for _, t := range f.Tensors {
		t.Data = append([]byte{}, t.Data...)
		out.Tensors = append(out.Tensors, t)
	}
	return out
}
