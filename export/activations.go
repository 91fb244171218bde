package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/misgen/misgen/interp"
)

// ActivationIndex is activations/index.json.
type ActivationIndex struct {
	Format        string `json:"format"` // "misgen.activations"
	FormatVersion int    `json:"format_version"`
	// PolicySeed is the training seed whose policy was captured
	// (policies/seed-<PolicySeed>.safetensors).
	PolicySeed int `json:"policy_seed"`
	// Levels are the level seeds the capture episodes ran on: episode i of
	// a variant played level Levels.Start + i.
	Levels LevelRange `json:"levels"`
	// Layers are the captured hook points with their per-row shape; a row
	// of <variant>.<layer>.npy is one output flattened in C order.
	Layers []LayerInfo `json:"layers"`
	// Columns describe <variant>.concepts.npy.
	Columns []ColumnInfo `json:"concept_columns"`
	// Success and Proxy are the game's true-goal and proxy-goal outcomes.
	Success  string         `json:"success"`
	Proxy    string         `json:"proxy"`
	Variants []VariantIndex `json:"variants"`
}

// LevelRange is a contiguous range of level seeds.
type LevelRange struct {
	Start uint64 `json:"start"`
	Count uint64 `json:"count"`
}

// LayerInfo is one captured layer.
type LayerInfo struct {
	Name  string  `json:"name"`
	Shape []int64 `json:"shape"` // per row, e.g. [16, 4, 4] for a conv stage
	D     int     `json:"d"`     // product of Shape: columns of the .npy
}

// ColumnInfo is one field of the concepts record array.
type ColumnInfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"` // NumPy type string
	Role  string `json:"role,omitempty"`
	Doc   string `json:"doc"`
}

// VariantIndex is one variant's capture.
type VariantIndex struct {
	Name        string            `json:"name"`
	OOD         bool              `json:"ood"`
	Rows        int               `json:"rows"`
	Activations map[string]string `json:"activations"` // layer → file
	Concepts    string            `json:"concepts"`
	Episodes    []EpisodeIndex    `json:"episodes"`
}

// EpisodeIndex is one captured episode. Its rows are those whose episode
// column equals ID; episodes run in parallel, so rows interleave.
type EpisodeIndex struct {
	ID        int32  `json:"id"`
	LevelSeed uint64 `json:"level_seed"`
	Rows      int    `json:"rows"`
	Outcome   string `json:"outcome"` // "" when the capture ended first
}

// captured is one variant's loaded stores, kept for the SAE check batches.
type captured struct {
	variant Variant
	stores  map[string]*interp.Store
}

// exportActivations converts the interp stage's stores under
// o.InterpDir/acts to .npy files and writes activations/index.json. It
// returns the loaded stores (nil when there are none).
func exportActivations(o Options) ([]captured, error) {
	if o.InterpDir == "" {
		return nil, nil
	}
	actsDir := filepath.Join(o.InterpDir, "acts")
	if _, err := os.Stat(actsDir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	dir := filepath.Join(o.Out, "activations")
	idx := ActivationIndex{Format: "misgen.activations", FormatVersion: FormatVersion, PolicySeed: o.InterpSeed,
		Levels: LevelRange{o.InterpLevels.Start, o.InterpLevels.Count}}
	var caps []captured
	for _, v := range o.Variants {
		c, err := loadStores(actsDir, v)
		if err != nil {
			return nil, err
		}
		if len(c.stores) == 0 {
			continue
		}
		vi, err := writeVariant(dir, c, o.InterpLevels.Start, &idx)
		if err != nil {
			return nil, err
		}
		idx.Variants = append(idx.Variants, vi)
		caps = append(caps, c)
	}
	if len(caps) == 0 {
		return nil, nil
	}
	return caps, writeJSON(filepath.Join(dir, "index.json"), idx)
}

// loadStores reads every acts/<variant>.<layer>.acts file of v.
func loadStores(actsDir string, v Variant) (captured, error) {
	c := captured{variant: v, stores: map[string]*interp.Store{}}
	files, err := filepath.Glob(filepath.Join(actsDir, v.Name+".*.acts"))
	if err != nil {
		return c, err
	}
	for _, f := range files {
		layer := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), v.Name+"."), ".acts")
		if strings.Contains(layer, ".") { // another variant's file, "<v>.<x>.<layer>"
			continue
		}
		st, err := interp.ReadStoreFile(f)
		if err != nil {
			return c, fmt.Errorf("export: %w", err)
		}
		if st.Layer != layer {
			return c, fmt.Errorf("export: %s holds layer %q", f, st.Layer)
		}
		c.stores[layer] = st
	}
	return c, nil
}

// writeVariant writes one variant's activation and concept arrays and
// returns its index entry; the first variant also fills idx's layers,
// columns and outcomes.
func writeVariant(dir string, c captured, levelStart uint64, idx *ActivationIndex) (VariantIndex, error) {
	layers := make([]string, 0, len(c.stores))
	for l := range c.stores {
		layers = append(layers, l)
	}
	sort.Strings(layers)
	truth := c.stores[layers[0]].Truth
	vi := VariantIndex{Name: c.variant.Name, OOD: c.variant.OOD, Rows: len(truth.Steps), Activations: map[string]string{},
		Concepts: c.variant.Name + ".concepts.npy"}
	for _, l := range layers {
		st := c.stores[l]
		if len(st.Truth.Steps) != vi.Rows {
			return vi, fmt.Errorf("export: variant %s: layer %s has %d rows, layer %s %d", c.variant.Name, l, len(st.Truth.Steps), layers[0], vi.Rows)
		}
		file := c.variant.Name + "." + l + ".npy"
		if err := writeNPYFloat32(filepath.Join(dir, file), []int{st.Acts.Rows, st.Acts.Cols}, st.Acts.Data); err != nil {
			return vi, fmt.Errorf("export: %w", err)
		}
		vi.Activations[l] = file
		if len(idx.Variants) == 0 {
			idx.Layers = append(idx.Layers, LayerInfo{Name: l, Shape: st.Shape, D: st.Acts.Cols})
		}
	}
	cols, infos := conceptColumns(truth, levelStart)
	if err := writeNPYRecords(filepath.Join(dir, vi.Concepts), vi.Rows, cols); err != nil {
		return vi, fmt.Errorf("export: %w", err)
	}
	if len(idx.Variants) == 0 {
		idx.Columns, idx.Success, idx.Proxy = infos, truth.Success, truth.Proxy
	}
	vi.Episodes = episodeIndex(truth, levelStart)
	return vi, nil
}

// outcomeOf names the outcome of a step's episode ("" while unknown).
func outcomeOf(g *interp.GroundTruth, s interp.Step) string {
	if int(s.Outcome) < len(g.Outcomes) {
		return g.Outcomes[s.Outcome]
	}
	return ""
}

// conceptDocs describe the concepts of interp.GroundTruth.Concepts.
var conceptDocs = map[string]string{
	"goal_near": "minus the distance from the agent to the true goal, tiles", "goal_right": "the goal is more than half a tile right of the agent",
	"goal_left": "the goal is more than half a tile left of the agent", "goal_visible": "the true goal is in the observation",
	"proxy_near": "minus the distance from the agent to the proxy goal, tiles", "proxy_right": "the proxy goal is more than half a tile right of the agent",
	"proxy_left": "the proxy goal is more than half a tile left of the agent",
}

// conceptColumns lays out the concepts record array: the step's identity
// and raw ground truth, then misgen's derived concepts (GroundTruth.Concepts,
// the values the feature ↔ concept statistics use).
func conceptColumns(g *interp.GroundTruth, levelStart uint64) ([]column, []ColumnInfo) {
	st := g.Steps
	pos := func(f func(s interp.Step) float32) func(int) float32 { return func(r int) float32 { return f(st[r]) } }
	cols := []column{
		i32Column("episode", func(r int) int32 { return st[r].Episode }),
		u64Column("level_seed", func(r int) uint64 { return levelStart + uint64(interp.EpisodeIndex(st[r].Episode)) }),
		i32Column("t", func(r int) int32 { return st[r].T }),
		i16Column("action", func(r int) int16 { return st[r].Action }),
		// As wide as the game's longest outcome name, so every variant's
		// file has the same dtype.
		strColumn("outcome", maxRunes(g.Outcomes), func(r int) string { return outcomeOf(g, st[r]) }),
		f32Column("agent_x", pos(func(s interp.Step) float32 { return s.AgentX })),
		f32Column("agent_y", pos(func(s interp.Step) float32 { return s.AgentY })),
		f32Column("goal_x", pos(func(s interp.Step) float32 { return s.GoalX })),
		f32Column("goal_y", pos(func(s interp.Step) float32 { return s.GoalY })),
		f32Column("proxy_x", pos(func(s interp.Step) float32 { return s.ProxyX })),
		f32Column("proxy_y", pos(func(s interp.Step) float32 { return s.ProxyY })),
	}
	infos := []ColumnInfo{
		{Name: "episode", Doc: "captured episode id (see variants[].episodes)"},
		{Name: "level_seed", Doc: "level the episode ran on"},
		{Name: "t", Doc: "step index within the episode"},
		{Name: "action", Doc: "action taken at this step (-1: unknown)"},
		{Name: "outcome", Doc: "how the step's episode ended (empty: not within the capture)"},
		{Name: "agent_x", Doc: "agent position, tiles, origin bottom-left, y up"}, {Name: "agent_y", Doc: "agent position"},
		{Name: "goal_x", Doc: "true goal position"}, {Name: "goal_y", Doc: "true goal position"},
		{Name: "proxy_x", Doc: "proxy goal position"}, {Name: "proxy_y", Doc: "proxy goal position"},
	}
	all := make([]int, len(st))
	for i := range all {
		all[i] = i
	}
	for _, c := range g.Concepts(all) {
		cols = append(cols, f64Column(c.Name, c.Values))
		doc := conceptDocs[c.Name]
		if doc == "" {
			doc = "concept computed by misgen's interp stage"
		}
		if c.Binary {
			doc += " (binary: 0 or 1)"
		}
		infos = append(infos, ColumnInfo{Name: c.Name, Role: string(c.Role), Doc: doc})
	}
	for i := range infos {
		infos[i].DType = cols[i].descr
	}
	return cols, infos
}

// episodeIndex lists the captured episodes in order of first appearance.
func episodeIndex(g *interp.GroundTruth, levelStart uint64) []EpisodeIndex {
	var out []EpisodeIndex
	at := map[int32]int{}
	for _, s := range g.Steps {
		i, ok := at[s.Episode]
		if !ok {
			i = len(out)
			at[s.Episode] = i
			out = append(out, EpisodeIndex{ID: s.Episode, LevelSeed: levelStart + uint64(interp.EpisodeIndex(s.Episode)), Outcome: outcomeOf(g, s)})
		}
		out[i].Rows++
	}
	return out
}
