// Package export writes a run's artefacts in the formats Python
// interpretability tooling reads (PyTorch, NumPy, pandas, SAELens-style
// code), so a misgeneralizing policy can be studied in a notebook without
// misgen. The python/ folder at the repository root holds the reference
// PyTorch modules and the loader for these files.
//
// An export directory:
//
//	index.json                          what is where (Index)
//	policies/seed-<s>.safetensors       one policy per training seed (PolicyMeta)
//	saes/<site>.<name>.safetensors      every trained SAE (interp.SAE.WriteFile)
//	activations/index.json              sites, shapes, variants, episodes, levels (ActivationIndex)
//	activations/<variant>.<site>.npy    float32 [N·rows_per_sample, d]: the rows the
//	                                    site's SAEs read (per position for a conv layer)
//	activations/<variant>.concepts.npy  a record array, one named column per concept,
//	                                    one row per captured step
//	activations/<variant>.obs.npy       float32 [N, C, H, W]: the observation of each step
//	outcomes.csv                        seed,variant,level,outcome,steps,return
//	check/policy.seed-<s>.safetensors   observations with misgen's logits,
//	                                    values and layer outputs on them
//	check/sae.<layer>.<name>.safetensors  activations with misgen's codes and
//	                                    reconstructions
//
// A site is a hook point read as its SAEs read it (interp.Site): "fc" one
// row per step, "stage1/pos" one row of C channels per spatial position of
// the conv stage stage1. Index entries name sites as the interp summary
// does; file names write "/" as "_" ("stage1_pos"), as the interp stage's
// own outputs do.
//
// The check files let any reimplementation prove it computes what misgen
// computes (python/misgen/checks.py does this for the reference modules).
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
)

// Format names and versions written into every file's metadata.
const (
	FormatVersion   = 2 // 2: activations per SAE site, observations, held_out
	formatIndex     = "misgen.export"
	formatPolicy    = "misgen.policy"
	formatCheck     = "misgen.check"
	checkPerVariant = 32 // observations per variant in a policy check batch
	checkSAERows    = 64 // activation rows in an SAE check batch
)

// Options say what to export and where. The experiments command fills them
// from a run directory; tests fill them directly.
type Options struct {
	Out string // export directory (created)
	// Run identifies the source run in index.json (free-form strings, e.g.
	// experiment, profile, run_dir, config_hash).
	Run map[string]string
	// Policies are the trained checkpoints, one per training seed.
	Policies []PolicySource
	// Spec is the training variant's game spec: observation shape, action
	// names and channel names recorded with each policy.
	Spec envs.Spec
	// Obs is the observation config the policies were trained on.
	Obs envs.ObsConfig
	// Variants are the evaluation variants in table order, ID first.
	Variants []Variant
	// NewEnv builds an env of a variant for the policy check batches; nil
	// skips them.
	NewEnv func(variant string) (envs.Env, error)
	// Interp is the interp stage's output: its directory (acts/ and saes/;
	// "" or absent: nothing to export), the training seed whose policy it
	// analysed and the levels its episodes ran on.
	InterpDir    string
	InterpSeed   int
	InterpLevels envs.LevelSeeds
	// Outcomes are the evaluated episodes (the eval stage's records).
	Outcomes []schema.EpisodeRecord
}

// PolicySource is one training seed's checkpoint (agents.CheckpointPath).
type PolicySource struct {
	Seed       int
	Checkpoint string
}

// Variant is an evaluation variant.
type Variant struct {
	Name string
	OOD  bool
}

// Index is index.json: every exported file, relative to the export
// directory.
type Index struct {
	Format        string            `json:"format"`
	FormatVersion int               `json:"format_version"`
	Run           map[string]string `json:"run,omitempty"`
	Policies      []PolicyEntry     `json:"policies"`
	SAEs          []SAEEntry        `json:"saes"`
	Activations   string            `json:"activations,omitempty"` // activations/index.json
	Outcomes      string            `json:"outcomes,omitempty"`    // outcomes.csv
}

// PolicyEntry lists one exported policy.
type PolicyEntry struct {
	Seed  int    `json:"seed"`
	File  string `json:"file"`
	Arch  string `json:"arch"`
	Check string `json:"check,omitempty"`
}

// SAEEntry lists one exported SAE.
type SAEEntry struct {
	File string `json:"file"`
	// Site is where the SAE reads (SiteInfo.Site): "fc", or "stage1/pos"
	// for one that reads the hook point stage1 per position; it takes the
	// rows of the site's activation arrays as they are.
	Site      string `json:"site"`
	Layer     string `json:"layer"` // the policy's hook point
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Objective string `json:"objective"`
	Check     string `json:"check,omitempty"`
}

// Write exports everything o names into o.Out and returns the index it
// wrote to o.Out/index.json. Existing files of the same names are replaced
// (each atomically); nothing in the run directory is modified.
func Write(ctx context.Context, o Options) (*Index, error) {
	if o.Out == "" {
		return nil, fmt.Errorf("export: no output directory")
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	idx := &Index{Format: formatIndex, FormatVersion: FormatVersion, Run: o.Run, Policies: []PolicyEntry{}, SAEs: []SAEEntry{}}
	for _, src := range o.Policies {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := exportPolicy(o, src)
		if err != nil {
			return nil, err
		}
		idx.Policies = append(idx.Policies, e)
	}
	acts, err := exportActivations(o)
	if err != nil {
		return nil, err
	}
	if acts != nil {
		idx.Activations = "activations/index.json"
	}
	if idx.SAEs, err = exportSAEs(o, acts); err != nil {
		return nil, err
	}
	if len(o.Outcomes) > 0 {
		if err := writeOutcomes(filepath.Join(o.Out, "outcomes.csv"), o.Outcomes, o.Variants); err != nil {
			return nil, err
		}
		idx.Outcomes = "outcomes.csv"
	}
	return idx, writeJSON(filepath.Join(o.Out, "index.json"), idx)
}

// writeJSON atomically writes v as indented JSON.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("export: %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// jsonString encodes v for a metadata value (safetensors metadata holds
// strings only).
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("export: metadata %T: %v", v, err)) // only plain values are passed
	}
	return string(b)
}
