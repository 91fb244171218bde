package interp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/internal/binio"
)

// episodeShift packs captured episode ids (Step.Episode): variant index
// << episodeShift | episode index, so ids are unique across the variants
// of one capture.
const episodeShift = 20

// EpisodeBase is the first episode id of variant vi of a capture; the
// episode with index k within the variant's levels has id EpisodeBase(vi)+k.
func EpisodeBase(vi int) int32 { return int32(vi) << episodeShift }

// EpisodeIndex returns the index of a captured episode (Step.Episode)
// within its variant's levels: the episode ran on the variant's first
// level plus EpisodeIndex(id).
func EpisodeIndex(id int32) int { return int(id & (1<<episodeShift - 1)) }

// EpisodeVariant returns the variant index packed into an episode id.
func EpisodeVariant(id int32) int { return int(id >> episodeShift) }

// Step is the ground truth of one captured step: where it came from and
// the environment state the policy saw, in envs.Info's tile units.
type Step struct {
	Episode     int32  // episode index within the capture
	T           int32  // step index within the episode
	Variant     uint16 // index into GroundTruth.Variants
	OOD         bool   // the variant is out of distribution
	GoalVisible bool
	Action      int16 // action taken at this step, −1 when unknown
	// Outcome indexes GroundTruth.Outcomes: how the step's episode ended,
	// filled in when the episode ends (0 = "" while it runs or if it never
	// ended inside the capture).
	Outcome        uint8
	AgentX, AgentY float32
	GoalX, GoalY   float32
	ProxyX, ProxyY float32
}

// GroundTruth is the per-step ground truth of a capture, shared by the
// stores of every captured layer (rows align with activation rows).
type GroundTruth struct {
	Steps    []Step
	Variants []string
	// Outcomes names outcome indices; Outcomes[0] is "" (unknown).
	Outcomes []string
	// Success and Proxy are the game's success and proxy-goal outcomes.
	Success, Proxy string

	open map[int32][]int // rows of episodes not yet ended
}

// NewGroundTruth returns an empty GroundTruth for a game's outcomes, of
// which success means the true goal was reached and proxy the proxy goal.
func NewGroundTruth(outcomes []string, success, proxy string) *GroundTruth {
	return &GroundTruth{Outcomes: append([]string{""}, outcomes...), Success: success, Proxy: proxy}
}

func (g *GroundTruth) index(list *[]string, name string) int {
	for i, v := range *list {
		if v == name {
			return i
		}
	}
	*list = append(*list, name)
	return len(*list) - 1
}

// Add appends the ground truth of one step of variant (call once per
// captured activation row, in the same order); st.Variant and st.Outcome
// are set here.
func (g *GroundTruth) Add(st Step, variant string) {
	if g.open == nil {
		g.open = map[int32][]int{}
	}
	g.open[st.Episode] = append(g.open[st.Episode], len(g.Steps))
	st.Variant, st.Outcome = uint16(g.index(&g.Variants, variant)), 0
	g.Steps = append(g.Steps, st)
}

// EndEpisode records how an episode ended on all of its rows.
func (g *GroundTruth) EndEpisode(episode int32, outcome string) {
	o := uint8(g.index(&g.Outcomes, outcome))
	for _, r := range g.open[episode] {
		g.Steps[r].Outcome = o
	}
	delete(g.open, episode)
}

// Apart returns the rows whose true goal and proxy are at least minDist
// tiles apart: the only steps on which a goal feature and a proxy feature
// can be told apart (in CoinRun's training variant the coin sits at the
// level end, so there they never are).
func (g *GroundTruth) Apart(minDist float64) []int {
	var rows []int
	for i, s := range g.Steps {
		if math.Hypot(float64(s.GoalX-s.ProxyX), float64(s.GoalY-s.ProxyY)) >= minDist {
			rows = append(rows, i)
		}
	}
	return rows
}

// Concepts derives the concepts of the given rows, each oriented so that
// a feature for it fires more when it holds, and each goal concept
// controlled by its proxy counterpart and vice versa:
//
//	goal_near (−distance), goal_right, goal_left, goal_visible (binary)
//	proxy_near, proxy_right, proxy_left
//
// Distances and directions are goal (or proxy) minus agent, in tiles;
// right/left mean more than half a tile to that side. How an episode
// ended is not a concept: outcomes track the variant, not what the policy
// represents.
func (g *GroundTruth) Concepts(rows []int) []Concept {
	n := len(rows)
	col := func() []float64 { return make([]float64, n) }
	gn, gr, gl, gv := col(), col(), col(), col()
	pn, pr, pl := col(), col(), col()
	for i, r := range rows {
		s := g.Steps[r]
		gdx, gdy := float64(s.GoalX-s.AgentX), float64(s.GoalY-s.AgentY)
		pdx, pdy := float64(s.ProxyX-s.AgentX), float64(s.ProxyY-s.AgentY)
		gn[i], pn[i] = -math.Hypot(gdx, gdy), -math.Hypot(pdx, pdy)
		gr[i], gl[i] = b2f(gdx > 0.5), b2f(gdx < -0.5)
		pr[i], pl[i] = b2f(pdx > 0.5), b2f(pdx < -0.5)
		gv[i] = b2f(s.GoalVisible)
	}
	return []Concept{
		{Name: "goal_near", Role: RoleGoal, Values: gn, ControlName: "proxy_near", Control: pn},
		{Name: "goal_right", Role: RoleGoal, Binary: true, Values: gr, ControlName: "proxy_right", Control: pr},
		{Name: "goal_left", Role: RoleGoal, Binary: true, Values: gl, ControlName: "proxy_left", Control: pl},
		{Name: "goal_visible", Role: RoleGoal, Binary: true, Values: gv, ControlName: "proxy_near", Control: pn},
		{Name: "proxy_near", Role: RoleProxy, Values: pn, ControlName: "goal_near", Control: gn},
		{Name: "proxy_right", Role: RoleProxy, Binary: true, Values: pr, ControlName: "goal_right", Control: gr},
		{Name: "proxy_left", Role: RoleProxy, Binary: true, Values: pl, ControlName: "goal_left", Control: gl},
	}
}

// Episodes returns each row's episode id (for polytope change rates).
func (g *GroundTruth) Episodes() []int32 {
	out := make([]int32, len(g.Steps))
	for i, s := range g.Steps {
		out[i] = s.Episode
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Store is one layer's captured activations with the ground truth of the
// step each row came from.
type Store struct {
	Layer string
	Shape []int64 // per-row shape of the layer output; product = Acts.Cols
	Acts  Matrix
	Truth *GroundTruth
}

// Precision selects the on-disk element type of activations.
type Precision uint8

// Activation precisions.
const (
	Float32 Precision = 1
	Float16 Precision = 2 // half the size; relative error ≤ 2⁻¹¹ in the normal range
)

// Store file layout (little-endian):
//
//	magic "MGAS" | version u32 = 1 | precision u8 | layer (u16 len + bytes)
//	ndim u8 | dims i64… | rows u64 | cols u64
//	variants, outcomes: u16 count, then (u16 len + bytes) each
//	success, proxy: u16 len + bytes each
//	activations: rows × cols values (f32 or f16)
//	steps: rows × 40-byte records: episode i32, t i32, variant u16,
//	       flags u8 (1 = ood, 2 = goal visible), outcome u8, action i16,
//	       pad u16, agent x,y, goal x,y, proxy x,y (f32)
//	crc32 (IEEE) u32 of every byte before it
const storeMagic = "MGAS"

const storeVersion = 1

const stepRecordSize = 40

// ErrCorruptStore marks a store file that fails its checks.
var ErrCorruptStore = errors.New("corrupt activation store")

// Write encodes the store to w at precision p.
func (st *Store) Write(w io.Writer, p Precision) error {
	if err := st.check(); err != nil {
		return err
	}
	var buf bytes.Buffer
	put := func(v any) { _ = binary.Write(&buf, binary.LittleEndian, v) }
	str := func(s string) {
		put(uint16(len(s)))
		buf.WriteString(s)
	}
	strs := func(ss []string) {
		put(uint16(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	buf.WriteString(storeMagic)
	put(uint32(storeVersion))
	put(uint8(p))
	str(st.Layer)
	put(uint8(len(st.Shape)))
	put(st.Shape)
	put(uint64(st.Acts.Rows))
	put(uint64(st.Acts.Cols))
	strs(st.Truth.Variants)
	strs(st.Truth.Outcomes)
	str(st.Truth.Success)
	str(st.Truth.Proxy)
	switch p {
	case Float32:
		put(st.Acts.Data)
	case Float16:
		h := make([]uint16, len(st.Acts.Data))
		for i, v := range st.Acts.Data {
			h[i] = float32ToHalf(v)
		}
		put(h)
	default:
		return fmt.Errorf("activation store precision %d: want Float32 or Float16", p)
	}
	for _, s := range st.Truth.Steps {
		var flags uint8
		if s.OOD {
			flags |= 1
		}
		if s.GoalVisible {
			flags |= 2
		}
		put(s.Episode)
		put(s.T)
		put(s.Variant)
		put(flags)
		put(s.Outcome)
		put(s.Action)
		put(uint16(0))
		put([6]float32{s.AgentX, s.AgentY, s.GoalX, s.GoalY, s.ProxyX, s.ProxyY})
	}
	put(crc32.ChecksumIEEE(buf.Bytes()))
	_, err := w.Write(buf.Bytes())
	return err
}

func (st *Store) check() error {
	if st.Truth == nil {
		return fmt.Errorf("activation store %q has no ground truth", st.Layer)
	}
	if err := st.Acts.check("activation store " + st.Layer); err != nil {
		return err
	}
	if len(st.Truth.Steps) != st.Acts.Rows {
		return fmt.Errorf("activation store %q: %d activation rows, %d ground-truth steps", st.Layer, st.Acts.Rows, len(st.Truth.Steps))
	}
	n := int64(1)
	for _, d := range st.Shape {
		n *= d
	}
	if n != int64(st.Acts.Cols) {
		return fmt.Errorf("activation store %q: shape %v does not hold %d columns", st.Layer, st.Shape, st.Acts.Cols)
	}
	return nil
}

// WriteFile writes the store atomically to path.
func (st *Store) WriteFile(path string, p Precision) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return st.Write(w, p) })
}

// ReadStoreFile reads a store written by WriteFile.
func ReadStoreFile(path string) (*Store, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := ReadStore(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// maxStoreValues bounds rows×cols read from a file (2^31 values).
const maxStoreValues = 1 << 31

// ReadStore decodes a store and verifies its checksum and sizes.
func ReadStore(r io.Reader) (*Store, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rd, err := binio.OpenFramed(b, storeMagic, storeVersion, 8)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptStore, err)
	}
	p := Precision(rd.U8())
	st := &Store{Layer: rd.Str(), Truth: &GroundTruth{}}
	nd := int(rd.U8())
	for i := 0; i < nd && rd.Err == nil; i++ {
		st.Shape = append(st.Shape, int64(rd.U64()))
	}
	rows, cols := rd.U64(), rd.U64()
	if rd.Err == nil && (cols == 0 || rows > maxStoreValues || cols > maxStoreValues || rows*cols > maxStoreValues) {
		rd.Err = fmt.Errorf("size %d×%d", rows, cols)
	}
	st.Truth.Variants = readStrs(rd)
	st.Truth.Outcomes = readStrs(rd)
	st.Truth.Success = rd.Str()
	st.Truth.Proxy = rd.Str()
	n := int(rows * cols)
	st.Acts = Matrix{Rows: int(rows), Cols: int(cols)}
	switch p {
	case Float32:
		raw := rd.Bytes(4 * n)
		if rd.Err == nil {
			st.Acts.Data = make([]float32, n)
			for i := range st.Acts.Data {
				st.Acts.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
	case Float16:
		raw := rd.Bytes(2 * n)
		if rd.Err == nil {
			st.Acts.Data = make([]float32, n)
			for i := range st.Acts.Data {
				st.Acts.Data[i] = halfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
			}
		}
	default:
		if rd.Err == nil {
			rd.Err = fmt.Errorf("unknown precision %d", p)
		}
	}
	raw := rd.Bytes(stepRecordSize * int(rows))
	if rd.Err == nil {
		st.Truth.Steps = make([]Step, rows)
		for i := range st.Truth.Steps {
			q := raw[i*stepRecordSize:]
			f := func(o int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(q[o:])) }
			flags := q[10]
			st.Truth.Steps[i] = Step{
				Episode: int32(binary.LittleEndian.Uint32(q[0:])), T: int32(binary.LittleEndian.Uint32(q[4:])),
				Variant: binary.LittleEndian.Uint16(q[8:]), OOD: flags&1 != 0, GoalVisible: flags&2 != 0,
				Outcome: q[11], Action: int16(binary.LittleEndian.Uint16(q[12:])),
				AgentX: f(16), AgentY: f(20), GoalX: f(24), GoalY: f(28), ProxyX: f(32), ProxyY: f(36),
			}
		}
	}
	if rd.Err == nil && rd.Remaining() != 0 {
		rd.Err = fmt.Errorf("%d trailing bytes", rd.Remaining())
	}
	if rd.Err == nil {
		rd.Err = st.check()
	}
	if rd.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptStore, rd.Err)
	}
	return st, nil
}

// readStrs reads a uint16 count followed by that many strings.
func readStrs(r *binio.Reader) []string {
	n := int(r.U16())
	var out []string
	for i := 0; i < n && r.Err == nil; i++ {
		out = append(out, r.Str())
	}
	return out
}
