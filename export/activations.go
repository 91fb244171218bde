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
	"github.com/misgen/misgen/interp/study"
)

// ActivationIndex is activations/index.json.
type ActivationIndex struct {
	Format        string `json:"format"` // "misgen.activations"
	FormatVersion int    `json:"format_version"`
	// PolicySeed is the training seed whose policy was captured
	// (policies/seed-<PolicySeed>.safetensors), on its own rollouts.
	PolicySeed int `json:"policy_seed"`
	// Levels are the level seeds the capture episodes ran on: episode i of
	// a variant played level Levels.Start + i.
	Levels LevelRange `json:"levels"`
	// Sites are the captured layers, each at the site the interp stage's
	// SAEs read it at.
	Sites []SiteInfo `json:"sites"`
	// ObsShape is the per-row shape [C, H, W] of <variant>.obs.npy (absent
	// when the observations were not recorded; Notes say so).
	ObsShape []int64 `json:"obs_shape,omitempty"`
	// Columns describe <variant>.concepts.npy.
	Columns []ColumnInfo `json:"concept_columns"`
	// Success and Proxy are the game's true-goal and proxy-goal outcomes.
	Success  string         `json:"success"`
	Proxy    string         `json:"proxy"`
	Variants []VariantIndex `json:"variants"`
	// Notes say in words what the arrays hold and what they do not.
	Notes []string `json:"notes"`
}

// LevelRange is a contiguous range of level seeds.
type LevelRange struct {
	Start uint64 `json:"start"`
	Count uint64 `json:"count"`
}

// SiteInfo is one exported activation site: a captured layer read the way
// the interp stage's SAEs read it (interp.SiteOf), so an SAE of the site
// takes the rows of <variant>.<file>.npy as they are.
type SiteInfo struct {
	// Site is the name the interp summary and the SAE entries use: "fc"
	// for a flat site, "stage1/pos" for a conv layer read per position.
	Site string `json:"site"`
	// File is Site as file names write it ("/" as "_", as in the interp
	// stage's own outputs): rows are in <variant>.<File>.npy.
	File string `json:"file"`
	// Layer is the policy's hook point (policy.layers) the rows come from,
	// and LayerShape its output per sample, e.g. [16, 2, 2].
	Layer       string  `json:"layer"`
	LayerShape  []int64 `json:"layer_shape"`
	PerPosition bool    `json:"per_position"`
	// RowsPerSample is 1 for a flat site and H·W per position: .npy row r
	// belongs to sample r / RowsPerSample (that row of the concepts and
	// observations), at position r % RowsPerSample in row-major (h, w)
	// order, its D columns the C channel values there.
	RowsPerSample int `json:"rows_per_sample"`
	D             int `json:"d"` // columns: the input size of the site's SAEs
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
	Name string `json:"name"`
	OOD  bool   `json:"ood"`
	// Rows counts the captured steps (samples): rows of the concepts and
	// observations; a site's .npy has Rows × RowsPerSample rows.
	Rows        int               `json:"rows"`
	Activations map[string]string `json:"activations"` // site → file
	Concepts    string            `json:"concepts"`
	// Observations is <variant>.obs.npy, float32 [Rows, C, H, W]: what the
	// policy saw at each captured step ("" when not recorded).
	Observations string         `json:"observations,omitempty"`
	Episodes     []EpisodeIndex `json:"episodes"`
}

// EpisodeIndex is one captured episode. Its rows are those whose episode
// column equals ID; episodes run in parallel, so rows interleave.
type EpisodeIndex struct {
	ID        int32  `json:"id"`
	LevelSeed uint64 `json:"level_seed"`
	Rows      int    `json:"rows"`
	Outcome   string `json:"outcome"` // "" when the capture ended first
	HeldOut   bool   `json:"held_out"`
}

// siteRows are one site's exported rows of one variant.
type siteRows struct {
	info SiteInfo
	rows interp.Matrix
}

// captured is one variant's loaded capture, kept for the SAE check
// batches.
type captured struct {
	variant Variant
	truth   *interp.GroundTruth
	sites   map[string]siteRows // by SiteInfo.Site
	obs     *interp.Store       // nil: not recorded
}

// exportActivations converts the interp stage's stores under
// o.InterpDir/acts to .npy files, one per variant and site, and writes
// activations/index.json. It returns the loaded captures (nil when there
// are none).
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
		c, err := loadCapture(o.InterpDir, v)
		if err != nil {
			return nil, err
		}
		if len(c.sites) == 0 {
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
	idx.Notes = activationNotes(idx)
	return caps, writeJSON(filepath.Join(dir, "index.json"), idx)
}

// activationNotes say what idx's arrays hold and what they do not.
func activationNotes(idx ActivationIndex) []string {
	seed := idx.PolicySeed
	notes := []string{
		fmt.Sprintf("Activations are those of policies/seed-%d.safetensors on its own rollouts of the interp stage's selection levels; "+
			"no other seed was captured. Another seed's activations on the same states: run its policy on <variant>.obs.npy "+
			"with a hook (misgen.Export.observations, misgen.site_rows).", seed),
		"A per-position site (\"<layer>/pos\") stores rows_per_sample = H·W rows per sample, each the C channel values at one " +
			"position (sample-major, then row-major h, w): its SAEs take the rows as they are. misgen.Export.layer_output " +
			"returns them as the hook point's [N, C, H, W].",
		"SAE metrics (the metrics metadata of saes/*.safetensors: fvu, l0, kl) are measured on the rows whose concept " +
			"held_out is true, pooled over the variants, with the mean of those rows.",
	}
	if idx.ObsShape == nil {
		notes = append(notes, "Observations are absent: this run's interp stage predates recording them (acts/<variant>.obs); "+
			"rerunning that stage with a current misgen records the observation behind every activation row.")
	} else {
		notes = append(notes, "<variant>.obs.npy holds the observation behind every row of <variant>.concepts.npy "+
			"(episode, t and level_seed name the step); the policy check batches (check/policy.*) hold 32 observations per variant.")
	}
	return notes
}

// loadCapture reads every activation store of v (study.ActsPath) and its
// observations (study.ObservationsPath) when recorded.
func loadCapture(interpDir string, v Variant) (captured, error) {
	c := captured{variant: v, sites: map[string]siteRows{}}
	files, err := filepath.Glob(study.ActsPath(interpDir, v.Name, "*"))
	if err != nil {
		return c, err
	}
	for _, f := range files {
		layer := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), v.Name+"."), ".acts")
		if strings.Contains(layer, ".") { // another variant's file, "<v>.<x>.<layer>"
			continue
		}
		st, err := readStore(f, layer)
		if err != nil {
			return c, err
		}
		sr, err := siteOf(st)
		if err != nil {
			return c, fmt.Errorf("export: %s: %w", f, err)
		}
		c.sites[sr.info.Site] = sr
		if c.truth == nil {
			c.truth = st.Truth
		}
		if err := sameSteps(c.truth, st.Truth); err != nil {
			return c, fmt.Errorf("export: %s: %w", f, err)
		}
	}
	obsPath := study.ObservationsPath(interpDir, v.Name)
	if _, err := os.Stat(obsPath); err == nil && c.truth != nil {
		if c.obs, err = readStore(obsPath, study.ObservationsLayer); err != nil {
			return c, err
		}
		if err := sameSteps(c.truth, c.obs.Truth); err != nil {
			return c, fmt.Errorf("export: %s: %w", obsPath, err)
		}
	}
	return c, nil
}

// readStore reads a store file and checks it holds layer.
func readStore(path, layer string) (*interp.Store, error) {
	st, err := interp.ReadStoreFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if st.Layer != layer {
		return nil, fmt.Errorf("export: %s holds layer %q, want %q", path, st.Layer, layer)
	}
	return st, nil
}

// sameSteps checks that two stores of one capture describe the same steps.
func sameSteps(a, b *interp.GroundTruth) error {
	if len(a.Steps) != len(b.Steps) {
		return fmt.Errorf("%d rows, the variant's other stores %d", len(b.Steps), len(a.Steps))
	}
	for i := range a.Steps {
		if a.Steps[i].Episode != b.Steps[i].Episode || a.Steps[i].T != b.Steps[i].T {
			return fmt.Errorf("row %d is episode %d step %d, the variant's other stores' episode %d step %d",
				i, b.Steps[i].Episode, b.Steps[i].T, a.Steps[i].Episode, a.Steps[i].T)
		}
	}
	return nil
}

// siteOf reads a layer's store at its interp site: flat rows as they are,
// a conv layer's per position (interp.PositionRows).
func siteOf(st *interp.Store) (siteRows, error) {
	site := interp.SiteOf(st.Layer, st.Shape)
	sr := siteRows{info: SiteInfo{Site: site.String(), File: site.FileName(), Layer: st.Layer, LayerShape: st.Shape,
		PerPosition: site.PerPosition, RowsPerSample: 1}, rows: st.Acts}
	if site.PerPosition {
		var err error
		if sr.rows, err = interp.PositionRows(st.Acts, st.Shape); err != nil {
			return sr, err
		}
		sr.info.RowsPerSample = int(st.Shape[1] * st.Shape[2])
	}
	sr.info.D = sr.rows.Cols
	return sr, nil
}

// writeVariant writes one variant's activation, concept and observation
// arrays and returns its index entry; the first variant also fills idx's
// sites, columns, observation shape and outcomes.
func writeVariant(dir string, c captured, levelStart uint64, idx *ActivationIndex) (VariantIndex, error) {
	first := len(idx.Variants) == 0
	vi := VariantIndex{Name: c.variant.Name, OOD: c.variant.OOD, Rows: len(c.truth.Steps), Activations: map[string]string{},
		Concepts: c.variant.Name + ".concepts.npy"}
	for _, name := range sortedKeys(c.sites) {
		sr := c.sites[name]
		file := c.variant.Name + "." + sr.info.File + ".npy"
		if err := writeNPYFloat32(filepath.Join(dir, file), []int{sr.rows.Rows, sr.rows.Cols}, sr.rows.Data); err != nil {
			return vi, fmt.Errorf("export: %w", err)
		}
		vi.Activations[name] = file
		if first {
			idx.Sites = append(idx.Sites, sr.info)
		}
	}
	if c.obs != nil {
		vi.Observations = c.variant.Name + ".obs.npy"
		shape := append([]int{c.obs.Acts.Rows}, int64sToInts(c.obs.Shape)...)
		if err := writeNPYFloat32(filepath.Join(dir, vi.Observations), shape, c.obs.Acts.Data); err != nil {
			return vi, fmt.Errorf("export: %w", err)
		}
		if first {
			idx.ObsShape = c.obs.Shape
		}
	}
	cols, infos := conceptColumns(c.truth, levelStart)
	if err := writeNPYRecords(filepath.Join(dir, vi.Concepts), vi.Rows, cols); err != nil {
		return vi, fmt.Errorf("export: %w", err)
	}
	if first {
		idx.Columns, idx.Success, idx.Proxy = infos, c.truth.Success, c.truth.Proxy
	}
	vi.Episodes = episodeIndex(c.truth, levelStart)
	return vi, nil
}

func int64sToInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
		boolColumn("held_out", func(r int) bool { return study.HeldOut(st[r].Episode) }),
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
		{Name: "held_out", Doc: "the step's episode is held out of SAE training; SAE metrics are measured on these rows"},
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
			out = append(out, EpisodeIndex{ID: s.Episode, LevelSeed: levelStart + uint64(interp.EpisodeIndex(s.Episode)), Outcome: outcomeOf(g, s),
				HeldOut: study.HeldOut(s.Episode)})
		}
		out[i].Rows++
	}
	return out
}
