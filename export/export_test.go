package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/interp/study"
	"github.com/misgen/misgen/schema"
)

// readNPY reads a float32 array with npyio (an independent implementation
// of the format) and checks the preamble is 64-byte aligned, as the NumPy
// format specification requires.
func readNPY(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkNPYPreamble(t, path, raw)
	r, err := npyio.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if strings.Trim(r.Header.Descr.Type, "'") != "<f4" || r.Header.Descr.Fortran {
		t.Fatalf("%s: header %v", path, r.Header)
	}
	var v []float32
	if err := r.Read(&v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r.Header.Descr.Shape, v
}

func checkNPYPreamble(t *testing.T, path string, raw []byte) {
	t.Helper()
	if len(raw) < 10 || string(raw[:6]) != "\x93NUMPY" || raw[6] != 1 || raw[7] != 0 {
		t.Fatalf("%s: not an NPY 1.0 file", path)
	}
	n := 10 + int(binary.LittleEndian.Uint16(raw[8:]))
	if n%64 != 0 || raw[n-1] != '\n' {
		t.Fatalf("%s: preamble of %d bytes is not 64-aligned or not ended by a newline", path, n)
	}
}

func TestNPYFloat32(t *testing.T) {
	dir := t.TempDir()
	for i, shape := range [][]int{{3}, {2, 5}, {0, 4}, {2, 3, 4}, {}} {
		v := make([]float32, product(shape))
		for j := range v {
			v[j] = float32(j)*0.5 - 3
		}
		path := filepath.Join(dir, fmt.Sprintf("a%d.npy", i))
		if err := writeNPYFloat32(path, shape, v); err != nil {
			t.Fatal(err)
		}
		gotShape, got := readNPY(t, path)
		if len(shape) == 0 {
			shape = nil
		}
		if !reflect.DeepEqual(gotShape, shape) || (len(v) > 0 && !reflect.DeepEqual(got, v)) {
			t.Errorf("shape %v: read %v %v", shape, gotShape, got)
		}
	}
	// A header over 65535 bytes switches to format 2.0 with a u32 length.
	h := npyHeader("["+strings.Repeat("('abcdefgh', '<f4'), ", 4000)+"]", []int{1})
	if h[6] != 2 || (12+int(binary.LittleEndian.Uint32(h[8:])))%64 != 0 || len(h)%64 != 0 {
		t.Errorf("large header: version %d, length %d", h[6], len(h))
	}
}

func TestNPYRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.npy")
	names := []string{"coin", "", "réel"}
	cols := []column{
		i32Column("episode", func(r int) int32 { return int32(r) - 1 }),
		strColumn("outcome", maxRunes(names), func(r int) string { return names[r] }),
		f64Column("dx", []float64{0.5, -1, math.Inf(1)}),
	}
	if err := writeNPYRecords(path, 3, cols); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	checkNPYPreamble(t, path, raw)
	r, err := npyio.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Header.Descr.Shape, []int{3}) {
		t.Errorf("shape %v", r.Header.Descr.Shape)
	}
	// Records of 4 + 4·4 + 8 bytes follow the preamble.
	data := raw[len(raw)-3*28:]
	if int32(binary.LittleEndian.Uint32(data[28:])) != 0 || binary.LittleEndian.Uint32(data[4:]) != 'c' ||
		math.Float64frombits(binary.LittleEndian.Uint64(data[28+20:])) != -1 || binary.LittleEndian.Uint32(data[2*28+4+4:]) != 'é' {
		t.Errorf("record bytes %v", data)
	}
	if err := writeNPYRecords(path, 3, append(cols, cols[0])); err == nil || !strings.Contains(err.Error(), `"episode" is empty or repeated`) {
		t.Errorf("repeated column: %v", err)
	}
}

func TestOutcomesCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.csv")
	eps := []schema.EpisodeRecord{
		{Seed: 1, Variant: "random_coin", LevelSeed: 7, Outcome: "coin", Length: 12, Return: 10},
		{Seed: 0, Variant: "zzz", LevelSeed: 1, Outcome: "died", Length: 3, Return: 0},
		{Seed: 0, Variant: "random_coin", LevelSeed: 9, Outcome: "reached_end_no_coin", Length: 40, Return: 0.1},
		{Seed: 0, Variant: "train", LevelSeed: 9, Outcome: "coin", Length: 30, Return: 10},
		{Seed: 0, Variant: "random_coin", LevelSeed: 2, Outcome: "timeout", Length: 300, Return: 1.0 / 3},
	}
	if err := writeOutcomes(path, eps, tinyVariants); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	want := "seed,variant,level,outcome,steps,return\n" +
		"0,train,9,coin,30,10\n" +
		"0,random_coin,2,timeout,300,0.3333333333333333\n" +
		"0,random_coin,9,reached_end_no_coin,40,0.1\n" +
		"0,zzz,1,died,3,0\n" +
		"1,random_coin,7,coin,12,10\n"
	if string(raw) != want {
		t.Errorf("got\n%s\nwant\n%s", raw, want)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := strconv.ParseFloat(rows[2][5], 64); r != 1.0/3 {
		t.Errorf("return %s does not read back exactly", rows[2][5])
	}
}

// TestExportOfTinyRun checks the export of the fixture run from Go: the
// index lists every artefact, policy tensors equal the checkpoint's
// parameters under the policy's own names, the metadata is complete, and
// activation arrays equal the interp stage's stores.
func TestExportOfTinyRun(t *testing.T) {
	f := tinyRun(t)
	idx := f.idx
	if len(idx.Policies) != 3 || idx.Activations == "" || idx.Outcomes != "outcomes.csv" {
		t.Fatalf("index %+v", idx)
	}
	// 2 layers × {local, e2e} × {16, 64} from the stage, plus the ReLU SAE.
	if len(idx.SAEs) != 9 {
		t.Errorf("%d SAEs: %+v", len(idx.SAEs), idx.SAEs)
	}
	// Each SAE is listed under its site, and its file and check batch are
	// named by the site's file name.
	sites := map[string]string{"fc": "fc", "stage1": "stage1/pos"}
	for _, s := range idx.SAEs {
		file := strings.ReplaceAll(s.Site, "/", "_")
		if s.Check == "" || (s.Objective != "local" && s.Objective != "e2e") || s.Site != sites[s.Layer] ||
			s.File != "saes/"+file+"."+s.Name+".safetensors" || s.Check != "check/sae."+file+"."+s.Name+".safetensors" {
			t.Errorf("SAE entry %+v", s)
		}
	}
	for i, e := range idx.Policies {
		if e.Seed != i || e.Arch != f.archs[i] || e.Check == "" {
			t.Errorf("policy entry %+v", e)
		}
		checkPolicyFile(t, f, e)
	}
	checkActivations(t, f)
	var onDisk Index
	raw, _ := os.ReadFile(filepath.Join(f.opts.Out, "index.json"))
	if err := json.Unmarshal(raw, &onDisk); err != nil || !reflect.DeepEqual(&onDisk, idx) {
		t.Errorf("index.json %s differs from the returned index (%v)", raw, err)
	}
}

func checkPolicyFile(t *testing.T, f *fixture, e PolicyEntry) {
	t.Helper()
	file, err := safetensors.ReadFile(filepath.Join(f.opts.Out, e.File))
	if err != nil {
		t.Fatal(err)
	}
	p, ckpt, err := agents.LoadPolicy(f.opts.Policies[e.Seed].Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	var names []string
	for i, n := range p.Params() {
		names = append(names, n.Name)
		want, _ := n.Tensor.Float32s()
		got := file.Tensors[i]
		v, err := got.Float32s()
		if got.Name != n.Name || fmt.Sprint(got.Shape) != fmt.Sprint(n.Tensor.Shape()) || err != nil || !reflect.DeepEqual(v, want) {
			t.Errorf("%s: tensor %d is %s %v, want %s %v (%v)", e.File, i, got.Name, got.Shape, n.Name, n.Tensor.Shape(), err)
		}
	}
	if len(file.Tensors) != len(names) {
		t.Errorf("%s: %d tensors, policy has %d", e.File, len(file.Tensors), len(names))
	}
	m := file.Metadata
	for _, key := range []string{"format", "format_version", "arch", "config", "forward", "game", "obs_shape", "obs", "num_actions",
		"action_names", "channel_names", "layers", "param_names", "seed", "update", "global_step", "config_hash"} {
		if m[key] == "" {
			t.Errorf("%s: metadata %q missing", e.File, key)
		}
	}
	var actions, channels, params []string
	json.Unmarshal([]byte(m["action_names"]), &actions)
	json.Unmarshal([]byte(m["channel_names"]), &channels)
	json.Unmarshal([]byte(m["param_names"]), &params)
	if !reflect.DeepEqual(actions, f.opts.Spec.ActionName) || !reflect.DeepEqual(channels, f.opts.Spec.Channels) ||
		len(channels) != f.opts.Spec.ObsShape[0] || !reflect.DeepEqual(params, names) {
		t.Errorf("%s: actions %v channels %v params %v", e.File, actions, channels, params)
	}
	if m["arch"] != e.Arch || m["seed"] != strconv.Itoa(e.Seed) || m["update"] != strconv.Itoa(ckpt.Update) || m["obs_shape"] != "[11,7,7]" {
		t.Errorf("%s: metadata %v", e.File, m)
	}
}

// wantSites are the fixture's sites: its IMPALA's fc (16 units) read flat
// and stage1 (8 channels on a 2×2 grid) read per position.
var wantSites = []SiteInfo{
	{Site: "fc", File: "fc", Layer: "fc", LayerShape: []int64{16}, RowsPerSample: 1, D: 16},
	{Site: "stage1/pos", File: "stage1_pos", Layer: "stage1", LayerShape: []int64{8, 2, 2}, PerPosition: true, RowsPerSample: 4, D: 8},
}

func checkActivations(t *testing.T, f *fixture) {
	t.Helper()
	var ai ActivationIndex
	raw, err := os.ReadFile(filepath.Join(f.opts.Out, "activations", "index.json"))
	if err != nil || json.Unmarshal(raw, &ai) != nil {
		t.Fatalf("activations index: %v", err)
	}
	if len(ai.Variants) != 2 || ai.Levels != (LevelRange{f.opts.InterpLevels.Start, 4}) || ai.Success != "coin" ||
		!reflect.DeepEqual(ai.ObsShape, []int64{11, 7, 7}) || len(ai.Notes) != 4 {
		t.Fatalf("activations index %+v", ai)
	}
	if !reflect.DeepEqual(ai.Sites, wantSites) {
		t.Errorf("sites %+v, want %+v", ai.Sites, wantSites)
	}
	var descr string
	for _, v := range ai.Variants {
		raw, err := os.ReadFile(filepath.Join(f.opts.Out, "activations", v.Concepts))
		if err != nil {
			t.Fatal(err)
		}
		checkNPYPreamble(t, v.Concepts, raw)
		d, _, _ := strings.Cut(string(raw[10:]), "'fortran_order'")
		if descr != "" && d != descr {
			t.Errorf("%s: record dtype %s differs from the first variant's %s", v.Concepts, d, descr)
		}
		descr = d
		checkEpisodes(t, f, v)
		for _, site := range ai.Sites {
			checkSiteArray(t, f, v, site)
		}
		checkObservations(t, f, v)
	}
}

// checkEpisodes checks a variant's episode list against its rows, levels
// and the interp stage's held-out split.
func checkEpisodes(t *testing.T, f *fixture, v VariantIndex) {
	t.Helper()
	rows, held := 0, 0
	for _, ep := range v.Episodes {
		rows += ep.Rows
		if !f.opts.InterpLevels.Contains(ep.LevelSeed) {
			t.Errorf("%s episode %d on level %d outside %+v", v.Name, ep.ID, ep.LevelSeed, f.opts.InterpLevels)
		}
		if ep.HeldOut != study.HeldOut(ep.ID) {
			t.Errorf("%s episode %d: held_out %v", v.Name, ep.ID, ep.HeldOut)
		}
		if ep.HeldOut {
			held++
		}
	}
	if rows != v.Rows || v.Rows == 0 || v.Rows > 120 {
		t.Errorf("%s: %d rows, episodes hold %d", v.Name, v.Rows, rows)
	}
	if held == 0 || held == len(v.Episodes) {
		t.Errorf("%s: %d of %d episodes held out", v.Name, held, len(v.Episodes))
	}
}

// checkSiteArray checks a site's .npy against the interp stage's store of
// its layer: the same values, per position when the site says so, rows
// sample-major (interp.PositionRows).
func checkSiteArray(t *testing.T, f *fixture, v VariantIndex, site SiteInfo) {
	t.Helper()
	st, err := interp.ReadStoreFile(study.ActsPath(f.opts.InterpDir, v.Name, site.Layer))
	if err != nil {
		t.Fatal(err)
	}
	want := st.Acts
	if site.PerPosition {
		if want, err = interp.PositionRows(st.Acts, st.Shape); err != nil {
			t.Fatal(err)
		}
	}
	file := v.Activations[site.Site]
	if file != v.Name+"."+site.File+".npy" {
		t.Errorf("%s: site %s in file %q", v.Name, site.Site, file)
	}
	shape, data := readNPY(t, filepath.Join(f.opts.Out, "activations", file))
	if !reflect.DeepEqual(shape, []int{v.Rows * site.RowsPerSample, site.D}) || want.Rows != shape[0] || !reflect.DeepEqual(data, want.Data) {
		t.Errorf("%s: npy %v differs from the store's site rows (%d×%d)", file, shape, want.Rows, want.Cols)
	}
	if site.PerPosition {
		// Row n·H·W + h·W + w, column c is the layer output [n, c, h, w].
		h, w := int(site.LayerShape[1]), int(site.LayerShape[2])
		n, y, x, c := v.Rows-1, h-1, 0, site.D-1
		if data[(n*h*w+y*w+x)*site.D+c] != st.Acts.Data[n*st.Acts.Cols+(c*h+y)*w+x] {
			t.Errorf("%s: row layout is not sample, h, w with channels as columns", file)
		}
	}
}

// checkObservations checks a variant's observations against the interp
// stage's observation store.
func checkObservations(t *testing.T, f *fixture, v VariantIndex) {
	t.Helper()
	st, err := interp.ReadStoreFile(study.ObservationsPath(f.opts.InterpDir, v.Name))
	if err != nil {
		t.Fatal(err)
	}
	if v.Observations != v.Name+".obs.npy" {
		t.Fatalf("%s: observations file %q", v.Name, v.Observations)
	}
	shape, data := readNPY(t, filepath.Join(f.opts.Out, "activations", v.Observations))
	if !reflect.DeepEqual(shape, []int{v.Rows, 11, 7, 7}) || !reflect.DeepEqual(data, st.Acts.Data) {
		t.Errorf("%s: npy %v differs from the observation store (%d×%d)", v.Observations, shape, st.Acts.Rows, st.Acts.Cols)
	}
	// Every symbolic observation shows the agent: no row is empty.
	size := len(data) / max(v.Rows, 1)
	for r := 0; r < v.Rows; r++ {
		empty := true
		for _, x := range data[r*size : (r+1)*size] {
			empty = empty && x == 0
		}
		if empty {
			t.Fatalf("%s: observation %d is empty", v.Observations, r)
		}
	}
}

// TestExportWithoutObservations exports an interp directory written before
// the interp stage recorded observations: the activations still export,
// and the index says plainly that the observations are absent.
func TestExportWithoutObservations(t *testing.T) {
	f := tinyRun(t)
	interpDir := filepath.Join(t.TempDir(), "interp")
	for _, sub := range []string{"acts", "saes"} {
		os.MkdirAll(filepath.Join(interpDir, sub), 0o755)
		files, _ := filepath.Glob(filepath.Join(f.opts.InterpDir, sub, "*"))
		for _, src := range files {
			if strings.HasSuffix(src, ".obs") {
				continue
			}
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(interpDir, sub, filepath.Base(src)), b, 0o644)
		}
	}
	o := f.opts
	o.Out, o.InterpDir, o.Policies, o.NewEnv, o.Outcomes = filepath.Join(t.TempDir(), "export"), interpDir, nil, nil, nil
	if _, err := Write(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var ai ActivationIndex
	raw, err := os.ReadFile(filepath.Join(o.Out, "activations", "index.json"))
	if err != nil || json.Unmarshal(raw, &ai) != nil {
		t.Fatalf("activations index: %v", err)
	}
	if ai.ObsShape != nil || len(ai.Variants) != 2 || ai.Variants[0].Observations != "" || !reflect.DeepEqual(ai.Sites, wantSites) ||
		!strings.Contains(strings.Join(ai.Notes, " "), "Observations are absent") {
		t.Errorf("activations index without observations: %s", raw)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "activations", "train.obs.npy")); err == nil {
		t.Error("train.obs.npy written without observations")
	}
}
