package interp

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	fcs := []FeatureConcept{{Latent: 3, Concept: "goal_dx", Role: RoleGoal, Pearson: 0.5, AUC: math.NaN(), Strength: 0.5},
		{Latent: 1, Concept: "goal_visible", Role: RoleGoal, Pearson: 0.2, AUC: 0.9, Strength: 0.8}}
	if err := WriteJSON(dir, "features.json", fcs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "features.json"))
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back[0]["auc"] != nil || back[1]["auc"] != 0.9 || back[0]["latent"] != 3.0 {
		t.Errorf("features.json = %s", b)
	}
	md := MDLTable([]MDLResult{{Name: "a", Feasible: true, DL: 10, Bits: 4}, {Name: "b", Feasible: true, DL: 8, Bits: 3}, {Name: "c", DL: math.Inf(1)}})
	lines := strings.Split(md, "\n")
	var bRow string
	for _, l := range lines {
		if strings.HasPrefix(l, "| b |") {
			bRow = l
		}
	}
	if !strings.Contains(bRow, "**min**") || strings.Count(md, "**min**") != 1 {
		t.Errorf("MDL table does not mark b as the minimum:\n%s", md)
	}
	img, err := HeatmapGrid([][]float32{{1, -1, 0, 0.5}, {0, 0, 0, 0}}, [3]int{2, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 2*(6+2) || img.Bounds().Dy() != 2*(3+2) {
		t.Errorf("image size %v", img.Bounds())
	}
	if c := img.RGBAAt(0, 0); c.R != 255 || c.G != 0 {
		t.Errorf("max positive cell colour %v, want red", c)
	}
	if c := img.RGBAAt(3, 0); c.B != 255 || c.R != 0 {
		t.Errorf("max negative cell colour %v, want blue", c)
	}
	if err := WritePNG(dir, "x.png", img); err != nil {
		t.Fatal(err)
	}
	if _, err := HeatmapGrid([][]float32{{1}}, [3]int{2, 1, 2}, 1); err == nil {
		t.Error("panel of the wrong size accepted")
	}
	if s := PanelShape(10, [3]int{2, 2, 2}); s != [3]int{1, 3, 4} {
		t.Errorf("PanelShape(10) = %v", s)
	}
}
