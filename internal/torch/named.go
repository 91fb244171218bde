package torch

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/misgen/misgen/internal/binio"
)

// Named is a tensor with a stable name, e.g. "conv0.weight".
type Named struct {
	Name   string
	Tensor *Tensor
}

// HostTensor is a tensor's name, shape and values held in Go memory: what
// WriteNamed stores and ReadNamed returns, usable without libtorch handles
// (e.g. by gonum analyses of weights).
type HostTensor struct {
	Name  string
	Shape []int64
	Data  []float32 // float32 tensors
	Ints  []int64   // int64 tensors
}

// File layout of a named tensor set (all integers little-endian):
//
//	magic "MGTS" | version u32 = 1 | count u32
//	per tensor: name-length u16 | name | dtype u8 | ndim u8 | dims i64... | values
//	crc32 (IEEE) u32 of every byte before it
const namedMagic = "MGTS"

const namedVersion = 1

// maxNamedElems bounds a single tensor's declared element count (2^31),
// which keeps the byte arithmetic far from overflow; the values must then
// also be present in the file before anything is allocated for them, so a
// small corrupt file cannot make the reader allocate more than its size.
const maxNamedElems = 1 << 31

// WriteNamed writes the tensors' names, shapes and values to w. Tensors on a
// GPU are copied to the host first.
func WriteNamed(w io.Writer, ts []Named) error {
	host := make([]HostTensor, len(ts))
	for i, n := range ts {
		if err := n.Tensor.live("WriteNamed"); err != nil {
			return fmt.Errorf("tensor %q: %w", n.Name, err)
		}
		host[i] = HostTensor{Name: n.Name, Shape: n.Tensor.Shape()}
		var err error
		if n.Tensor.DType() == Int64 {
			host[i].Ints, err = n.Tensor.Int64s()
		} else {
			host[i].Data, err = n.Tensor.Float32s()
		}
		if err != nil {
			return fmt.Errorf("tensor %q: %w", n.Name, err)
		}
	}
	return WriteHost(w, host)
}

// WriteHost writes host tensors in the named-tensor format.
func WriteHost(w io.Writer, ts []HostTensor) error {
	h := crc32.NewIEEE()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	put := func(v any) { _ = binary.Write(bw, binary.LittleEndian, v) }
	bw.WriteString(namedMagic)
	put(uint32(namedVersion))
	put(uint32(len(ts)))
	for _, t := range ts {
		if len(t.Name) > math.MaxUint16 || len(t.Shape) > 255 {
			return fmt.Errorf("tensor %q: name or rank too large", t.Name)
		}
		put(uint16(len(t.Name)))
		bw.WriteString(t.Name)
		dt := uint8(Float32)
		if t.Ints != nil {
			dt = uint8(Int64)
		}
		put(dt)
		put(uint8(len(t.Shape)))
		put(t.Shape)
		if dt == uint8(Int64) {
			put(t.Ints)
		} else {
			put(t.Data)
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, h.Sum32())
}

// ErrCorrupt marks a named-tensor file that fails its checks.
var ErrCorrupt = errors.New("corrupt tensor file")

// ReadNamed reads a named-tensor file fully and verifies its checksum.
func ReadNamed(r io.Reader) ([]HostTensor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rd, err := binio.OpenFramed(b, namedMagic, namedVersion, len(namedMagic)+12)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	// Each tensor takes at least 4 bytes of header (name length, dtype,
	// rank) besides its values.
	count := rd.Count(uint64(rd.U32()), 4, "tensor count")
	var out []HostTensor
	for i := 0; i < count && rd.Err == nil; i++ {
		t := HostTensor{Name: string(rd.Bytes(int(rd.U16())))}
		dt := DType(rd.U8())
		nd := int(rd.U8())
		elems := int64(1)
		for d := 0; d < nd && rd.Err == nil; d++ {
			v := int64(rd.U64())
			if v < 0 || v > maxNamedElems {
				rd.Err = fmt.Errorf("dimension %d", v)
				break
			}
			elems *= v
			if elems > maxNamedElems {
				rd.Err = fmt.Errorf("too many elements")
				break
			}
			t.Shape = append(t.Shape, v)
		}
		if rd.Err != nil {
			break
		}
		switch dt {
		case Float32:
			raw := rd.Bytes(int(elems) * 4)
			if rd.Err == nil {
				t.Data = make([]float32, elems)
				for j := range t.Data {
					t.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
				}
			}
		case Int64:
			raw := rd.Bytes(int(elems) * 8)
			if rd.Err == nil {
				t.Ints = make([]int64, elems)
				for j := range t.Ints {
					t.Ints[j] = int64(binary.LittleEndian.Uint64(raw[8*j:]))
				}
			}
		default:
			rd.Err = fmt.Errorf("tensor %q has unknown dtype %d", t.Name, dt)
		}
		out = append(out, t)
	}
	if rd.Err == nil && rd.Remaining() != 0 {
		rd.Err = fmt.Errorf("%d trailing bytes", rd.Remaining())
	}
	if rd.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, rd.Err)
	}
	return out, nil
}

// LoadNamed copies values from a named-tensor file into existing tensors,
// matching by name; a missing name, an extra name or a shape mismatch is an
// error naming the tensor, and nothing is copied unless everything matches.
func LoadNamed(r io.Reader, into []Named) error {
	host, err := ReadNamed(r)
	if err != nil {
		return err
	}
	byName := make(map[string]HostTensor, len(host))
	for _, h := range host {
		byName[h.Name] = h
	}
	if len(byName) != len(into) {
		return fmt.Errorf("tensor file holds %d tensors, model has %d", len(byName), len(into))
	}
	for _, n := range into {
		h, ok := byName[n.Name]
		if !ok {
			return fmt.Errorf("tensor file has no tensor %q", n.Name)
		}
		if got, want := fmt.Sprint(h.Shape), fmt.Sprint(n.Tensor.Shape()); got != want {
			return fmt.Errorf("tensor %q: file shape %s, model shape %s", n.Name, got, want)
		}
	}
	s := NewNoGradScope().On(CPU)
	defer s.Close()
	for _, n := range into {
		h := byName[n.Name]
		var src *Tensor
		if h.Ints != nil {
			src = s.FromInt64(h.Ints, h.Shape...)
		} else {
			src = s.FromFloat32(h.Data, h.Shape...)
		}
		if err := s.Err(); err != nil {
			return err
		}
		if err := n.Tensor.CopyFrom(src); err != nil {
			return fmt.Errorf("tensor %q: %w", n.Name, err)
		}
	}
	return nil
}
