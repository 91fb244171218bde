package experiments

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/viz/plot"
)

// TestAuditOutputsRedrawCommitted rebuilds a committed population audit's
// files from its audit.json: the tables audit.WriteOutputs writes and the
// scatter plots the audit's figure data give when drawn here must be the
// committed bytes.
func TestAuditOutputsRedrawCommitted(t *testing.T) {
	dir := filepath.Join("..", "results", "coinrun-population", "audit-medium")
	data, err := os.ReadFile(filepath.Join(dir, audit.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var res audit.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := audit.WriteOutputs(out, &res); err != nil {
		t.Fatal(err)
	}
	names := []string{audit.JSONFile, audit.MarkdownFile, audit.AgentsCSV, audit.StatisticsCSV}
	figs := audit.ScatterFigures(&res)
	if len(figs) == 0 {
		t.Fatal("no scatter figures")
	}
	for _, f := range figs {
		if err := plot.WriteScatter(filepath.Join(out, f.File), f.Panels, auditScatterSize); err != nil {
			t.Fatal(err)
		}
		names = append(names, f.File)
	}
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed file (%d vs %d bytes)", name, len(got), len(want))
		}
	}
}
