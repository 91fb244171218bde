package agents

import (
	"encoding/json"
	"fmt"

	"github.com/misgen/misgen/internal/atomicfile"
)

// WritePolicyCheckpoint atomically writes a checkpoint holding p's
// parameters and base's metadata (config hash, configs, seed, training
// levels and counters) but no optimizer or environment state: LoadPolicy
// reads it for evaluation like any checkpoint, while Train refuses to
// resume from it (its optimizer state is empty). It is how a policy
// changed after training (fine-tuned, reparametrised) is stored. p must
// have base's architecture.
func WritePolicyCheckpoint(path string, p Policy, base *Checkpoint) error {
	if err := checkParamShapes(hostShapes(p), base.Policy, base.IO); err != nil {
		return fmt.Errorf("agents: checkpoint %s: policy does not match %s: %v", path, base.Path, err)
	}
	meta := checkpointMeta{ConfigHash: base.ConfigHash, Policy: base.Policy, IO: base.IO, PPO: base.PPO, Seed: base.Seed,
		TrainLevels: base.TrainLevels, State: trainState{Update: base.Update, GlobalStep: base.GlobalStep}}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w", path, err)
	}
	params, err := paramBytes(p)
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: parameters: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, encodeCheckpoint(metaJSON, params, nil), 0o644); err != nil {
		return fmt.Errorf("agents: checkpoint: %w", err)
	}
	return nil
}
