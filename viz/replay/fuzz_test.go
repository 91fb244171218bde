package replay

import (
	"bytes"
	"compress/flate"
	"testing"
)

// The replay decoder gets files shared by others, so it is fuzzed in two
// layers: FuzzUnmarshal feeds whole files (header, checksum, DEFLATE), and
// FuzzDecodePayload feeds the decompressed payload, framed correctly, so
// the fuzzer gets past the checksum to the episode records and to Verify.
// The seed corpora (testdata/fuzz/<name>) hold real episodes of every game
// and damaged ones, plus inputs that fuzzing found to add coverage; they
// run with every `go test`. To fuzz (short sessions otherwise spend most
// of their time minimizing new inputs):
//
//	go test -run '^$' -fuzz '^FuzzDecodePayload$' -fuzztime 60s -fuzzminimizetime 2s ./viz/replay

// FuzzUnmarshal: any bytes give an error or episodes, never a panic or an
// allocation beyond the caps, and what decodes round-trips.
func FuzzUnmarshal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if eps, err := Unmarshal(data); err == nil {
			checkDecoded(t, eps)
		}
	})
}

// FuzzDecodePayload: any decompressed payload, in a well-formed file.
func FuzzDecodePayload(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		var z bytes.Buffer
		zw, _ := flate.NewWriter(&z, flate.NoCompression) // cheap: stored blocks
		zw.Write(raw)
		zw.Close()
		if eps, err := Unmarshal(frame(z.Bytes(), uint64(z.Len()))); err == nil {
			checkDecoded(t, eps)
		}
	})
}

// checkDecoded asserts that decoded episodes re-encode to a payload that
// decodes to the same episodes, and that replaying them against the games
// (Verify, as Load does) returns, with an error or without. (The file
// framing around the payload round-trips in the unit tests; compressing
// here would make each run of the target several times slower.)
func checkDecoded(t *testing.T, eps []Episode) {
	t.Helper()
	var again bytes.Buffer
	if err := encodeEpisodes(&again, eps); err != nil {
		t.Fatalf("decoded episodes do not re-encode: %v", err)
	}
	eps2, err := decodeEpisodes(again.Bytes())
	if err != nil {
		t.Fatalf("re-encoded payload does not decode: %v", err)
	}
	// Compare encodings, not values: NaN floats are not DeepEqual.
	var third bytes.Buffer
	if err := encodeEpisodes(&third, eps2); err != nil || !bytes.Equal(third.Bytes(), again.Bytes()) {
		t.Fatalf("decode(encode(x)) differs from x (%v)", err)
	}
	for i := range eps {
		_ = Verify(&eps[i])
	}
}
