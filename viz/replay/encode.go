package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/misgen/misgen/envs"
)

// Payload encoding (before compression): unsigned varints (u), signed
// varints (i), little-endian float32 bits (f) and length-prefixed strings
// (s = u length + bytes).
//
//	u episode count, then per episode:
//	  s game, s variant, s config TOML, s obs kind, u obs view, u obs rgb_size,
//	  u level seed, i training seed, s outcome, s feature source,
//	  u action count A (length of every Probs; 0 when none recorded),
//	  u step count, then per step:
//	    u action, A×f probs, f value, f reward,
//	    info: u step, s outcome, 6×f agent/goal/proxy x,y,
//	          u flags (1 goal visible, 2 goal reached, 4 proxy reached, 8 time limit),
//	          u keys held, u keys collected, u chests opened,
//	    u feature count, then per feature: u id, f value.

func encodeEpisodes(buf *bytes.Buffer, eps []Episode) error {
	e := encoder{buf: buf}
	e.u(uint64(len(eps)))
	for i := range eps {
		ep := &eps[i]
		nActions := 0
		for j, s := range ep.Steps {
			if s.Probs == nil {
				continue
			}
			if nActions == 0 {
				nActions = len(s.Probs)
			}
			if len(s.Probs) != nActions {
				return fmt.Errorf("replay: episode %d step %d has %d action probabilities, earlier steps %d", i, j, len(s.Probs), nActions)
			}
		}
		if nActions > 0 {
			for j, s := range ep.Steps {
				if s.Probs == nil {
					return fmt.Errorf("replay: episode %d step %d has no action probabilities, other steps do", i, j)
				}
			}
		}
		e.s(ep.Game)
		e.s(ep.Variant)
		e.s(string(ep.Config))
		e.s(string(ep.Obs.Kind))
		e.u(uint64(ep.Obs.View))
		e.u(uint64(ep.Obs.RGBSize))
		e.u(ep.LevelSeed)
		e.i(int64(ep.TrainSeed))
		e.s(string(ep.Outcome))
		e.s(ep.FeatureSource)
		e.u(uint64(nActions))
		e.u(uint64(len(ep.Steps)))
		for j := range ep.Steps {
			s := &ep.Steps[j]
			if s.Action < 0 {
				return fmt.Errorf("replay: episode %d step %d: negative action %d", i, j, s.Action)
			}
			e.u(uint64(s.Action))
			for _, p := range s.Probs {
				e.f(p)
			}
			e.f(s.Value)
			e.f(s.Reward)
			e.info(&s.Info)
			e.u(uint64(len(s.Features)))
			for _, ft := range s.Features {
				if ft.ID < 0 {
					return fmt.Errorf("replay: episode %d step %d: negative feature id %d", i, j, ft.ID)
				}
				e.u(uint64(ft.ID))
				e.f(ft.Value)
			}
		}
	}
	return nil
}

// minEpisodeBytes is the smallest episode record: 12 one-byte fields
// (empty strings, zero numbers, no steps).
const minEpisodeBytes = 12

func decodeEpisodes(raw []byte) ([]Episode, error) {
	d := decoder{buf: raw}
	// An episode record takes at least minEpisodeBytes; the slice grows
	// as records decode, so memory follows the records actually present.
	n := d.count(minEpisodeBytes)
	var eps []Episode
	for i := 0; i < n && d.err == nil; i++ {
		var ep Episode
		ep.Game = d.s()
		ep.Variant = d.s()
		ep.Config = []byte(d.s())
		ep.Obs.Kind = envs.ObsKind(d.s())
		ep.Obs.View = d.count(0)
		ep.Obs.RGBSize = d.count(0)
		ep.LevelSeed = d.u()
		ep.TrainSeed = int(d.i())
		ep.Outcome = envs.Outcome(d.s())
		ep.FeatureSource = d.s()
		nActions := d.count(0)
		// A step takes at least 4 + 4·nActions + 8 bytes, which bounds
		// the allocation a corrupt count could ask for.
		nSteps := d.count(16 + 4*nActions)
		ep.Steps = make([]Step, nSteps)
		for j := 0; j < nSteps && d.err == nil; j++ {
			s := &ep.Steps[j]
			s.Action = d.count(0)
			if nActions > 0 {
				s.Probs = make([]float32, nActions)
				for k := range s.Probs {
					s.Probs[k] = d.f()
				}
			}
			s.Value = d.f()
			s.Reward = d.f()
			d.info(&s.Info)
			if nf := d.count(2); nf > 0 {
				s.Features = make([]Feature, nf)
				for k := range s.Features {
					s.Features[k] = Feature{ID: d.count(0), Value: d.f()}
				}
			}
		}
		if d.err != nil {
			return nil, fmt.Errorf("episode %d: %w", i, d.err)
		}
		eps = append(eps, ep)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.buf) != 0 {
		return nil, fmt.Errorf("%d undecoded bytes after the last episode", len(d.buf))
	}
	return eps, nil
}

const (
	flagGoalVisible = 1 << iota
	flagGoalReached
	flagProxyReached
	flagTimeLimit
)

type encoder struct {
	buf *bytes.Buffer
	tmp [binary.MaxVarintLen64]byte
}

func (e *encoder) u(v uint64) { e.buf.Write(binary.AppendUvarint(e.tmp[:0], v)) }
func (e *encoder) i(v int64)  { e.buf.Write(binary.AppendVarint(e.tmp[:0], v)) }
func (e *encoder) f(v float32) {
	e.buf.Write(binary.LittleEndian.AppendUint32(e.tmp[:0], math.Float32bits(v)))
}
func (e *encoder) s(v string) { e.u(uint64(len(v))); e.buf.WriteString(v) }

func (e *encoder) info(in *envs.Info) {
	e.u(uint64(max(in.Step, 0)))
	e.s(string(in.Outcome))
	for _, v := range [...]float32{in.AgentX, in.AgentY, in.GoalX, in.GoalY, in.ProxyX, in.ProxyY} {
		e.f(v)
	}
	var flags uint64
	if in.GoalVisible {
		flags |= flagGoalVisible
	}
	if in.GoalReached {
		flags |= flagGoalReached
	}
	if in.ProxyReached {
		flags |= flagProxyReached
	}
	if in.TimeLimit {
		flags |= flagTimeLimit
	}
	e.u(flags)
	e.u(uint64(max(in.KeysHeld, 0)))
	e.u(uint64(max(in.KeysCollected, 0)))
	e.u(uint64(max(in.ChestsOpened, 0)))
}

// decoder reads the payload with a sticky error: after the first failure
// every read returns zero, and the caller checks err once per record.
type decoder struct {
	buf []byte
	err error
}

var errShort = errors.New("payload ends inside a record")

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.buf = nil
}

func (d *decoder) u() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) i() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) f() float32 {
	if len(d.buf) < 4 {
		d.fail(errShort)
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(d.buf))
	d.buf = d.buf[4:]
	return v
}

func (d *decoder) s() string {
	n := d.u()
	if n > uint64(len(d.buf)) {
		d.fail(fmt.Errorf("string of %d bytes with %d bytes left", n, len(d.buf)))
		return ""
	}
	v := string(d.buf[:n])
	d.buf = d.buf[n:]
	return v
}

// count reads a non-negative count of items that each take at least
// minBytes bytes, rejecting counts the remaining payload cannot hold.
func (d *decoder) count(minBytes int) int {
	v := d.u()
	if d.err != nil {
		return 0
	}
	if v > math.MaxInt32 || (minBytes > 0 && v*uint64(minBytes) > uint64(len(d.buf))) {
		d.fail(fmt.Errorf("count %d does not fit the %d bytes left", v, len(d.buf)))
		return 0
	}
	return int(v)
}

func (d *decoder) info(in *envs.Info) {
	in.Step = d.count(0)
	in.Outcome = envs.Outcome(d.s())
	in.AgentX, in.AgentY = d.f(), d.f()
	in.GoalX, in.GoalY = d.f(), d.f()
	in.ProxyX, in.ProxyY = d.f(), d.f()
	flags := d.u()
	in.GoalVisible = flags&flagGoalVisible != 0
	in.GoalReached = flags&flagGoalReached != 0
	in.ProxyReached = flags&flagProxyReached != 0
	in.TimeLimit = flags&flagTimeLimit != 0
	in.KeysHeld = d.count(0)
	in.KeysCollected = d.count(0)
	in.ChestsOpened = d.count(0)
}
