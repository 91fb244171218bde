package agents

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/internal/binio"
	"github.com/misgen/misgen/internal/torch"
)

// Checkpoint file layout (integers little-endian):
//
//	magic "MGCKPT" | version u16 = 1
//	meta length u32    | meta: JSON of checkpointMeta
//	params length u64  | params: torch named-tensor file (torch.WriteNamed)
//	optim length u64   | optim: torch.Optimizer.State bytes
//	crc32 (IEEE) u32 of every byte before it
//
// One file holds everything needed to resume, written with
// internal/atomicfile so a crash leaves the previous checkpoint intact.
const (
	checkpointMagic   = "MGCKPT"
	checkpointVersion = 1
	// CheckpointFile is the name of the resumable checkpoint in a run's
	// checkpoint directory.
	CheckpointFile = "latest.ckpt"
)

// CheckpointPath is the checkpoint Train writes in dir.
func CheckpointPath(dir string) string { return filepath.Join(dir, CheckpointFile) }

// ErrCheckpoint marks a checkpoint that cannot be used: corrupt, truncated,
// of another version, or written under a different config.
var ErrCheckpoint = errors.New("unusable checkpoint")

// checkpointMeta is the JSON part of a checkpoint.
type checkpointMeta struct {
	ConfigHash string       `json:"config_hash"`
	Policy     PolicyConfig `json:"policy"`
	IO         PolicyIO     `json:"io"`
	PPO        PPOConfig    `json:"ppo"`
	Seed       uint64       `json:"seed"`
	// TrainLevels are the run's training levels (absent from checkpoints
	// written before it was recorded: zero, Train's default).
	TrainLevels envs.LevelSeeds `json:"train_levels"`
	State       trainState      `json:"state"`
}

// trainState is everything besides parameters and optimizer moments that a
// resumed run needs to continue exactly where it stopped: counters, every
// generator's state, the envs (level + action replay), the reward
// normalizer and the done flags of the pending observations.
type trainState struct {
	Update     int               `json:"update"` // completed updates
	GlobalStep int64             `json:"global_step"`
	ElapsedSec float64           `json:"elapsed_s"` // training wall time so far
	Envs       []slotState       `json:"envs"`
	LevelRNG   []byte            `json:"level_rng"`
	ActionRNG  []byte            `json:"action_rng"`
	ShuffleRNG []byte            `json:"shuffle_rng"`
	NextDone   []bool            `json:"next_done"`
	RewardNorm *RewardNormalizer `json:"reward_norm,omitempty"`
	// RecentEpisodes is the log's window of finished episodes, oldest
	// first (absent in checkpoints that predate it: the window restarts).
	RecentEpisodes recentEpisodes `json:"recent_episodes,omitempty"`
}

// Checkpoint is a decoded checkpoint file.
type Checkpoint struct {
	Path       string
	ConfigHash string
	Policy     PolicyConfig
	IO         PolicyIO
	PPO        PPOConfig
	Seed       uint64
	// TrainLevels are the levels the run trained on (zero in checkpoints
	// that predate the field: Train's default), for EvalOptions.TrainLevels.
	TrainLevels envs.LevelSeeds
	Update      int   // completed PPO updates
	GlobalStep  int64 // env steps taken
	Params      []torch.HostTensor
	OptimState  []byte

	state trainState
}

// writeCheckpoint atomically writes a checkpoint to path.
func writeCheckpoint(path string, meta checkpointMeta, policy Policy, opt *torch.Optimizer) error {
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w", path, err)
	}
	params, err := paramBytes(policy)
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: parameters: %w", path, err)
	}
	optState, err := opt.State()
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: optimizer: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, encodeCheckpoint(metaJSON, params, optState), 0o644); err != nil {
		return fmt.Errorf("agents: checkpoint: %w", err)
	}
	return nil
}

// paramBytes is the policy's parameters as a named-tensor file.
func paramBytes(policy Policy) ([]byte, error) {
	var buf bytes.Buffer
	if err := torch.WriteNamed(&buf, policy.Params()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hostShapes lists the policy's parameter names and shapes (no values).
func hostShapes(policy Policy) []torch.HostTensor {
	var out []torch.HostTensor
	for _, n := range policy.Params() {
		out = append(out, torch.HostTensor{Name: n.Name, Shape: n.Tensor.Shape()})
	}
	return out
}

// encodeCheckpoint lays out a checkpoint file from its three sections.
func encodeCheckpoint(metaJSON, params, optState []byte) []byte {
	le := binary.LittleEndian
	b := append([]byte(checkpointMagic), le.AppendUint16(nil, checkpointVersion)...)
	b = append(le.AppendUint32(b, uint32(len(metaJSON))), metaJSON...)
	b = append(le.AppendUint64(b, uint64(len(params))), params...)
	b = append(le.AppendUint64(b, uint64(len(optState))), optState...)
	return le.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// ReadCheckpoint reads and verifies a checkpoint file. A missing file gives
// an error satisfying errors.Is(err, fs.ErrNotExist); a corrupt, truncated,
// unknown-version or inconsistent file (parameters other than its policy
// config describes) an error wrapping ErrCheckpoint that names path.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agents: reading checkpoint: %w", err)
	}
	c, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("agents: checkpoint %s: %w: %v", path, ErrCheckpoint, err)
	}
	c.Path = path
	return c, nil
}

// decodeCheckpoint decodes and verifies the bytes of a checkpoint file.
// Every size it acts on is checked against the bytes present, and the
// parameters must be exactly those the policy config describes, so a
// decoded checkpoint never asks for more memory than its file's size when
// its policy is built.
func decodeCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) < len(checkpointMagic)+2+4+8+8+4 || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("not a misgen checkpoint (bad magic or %d bytes)", len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, fmt.Errorf("checksum mismatch (file %08x, content %08x): truncated or corrupted", sum, got)
	}
	rd := binio.NewReader(body[len(checkpointMagic):])
	if v := rd.U16(); v != checkpointVersion {
		return nil, fmt.Errorf("version %d, this build reads version %d", v, checkpointVersion)
	}
	metaJSON := rd.Bytes(rd.Count(uint64(rd.U32()), 1, "metadata bytes"))
	paramBytes := rd.Bytes(rd.Count(rd.U64(), 1, "parameter bytes"))
	optBytes := rd.Bytes(rd.Count(rd.U64(), 1, "optimizer state bytes"))
	if rd.Err == nil && rd.Remaining() != 0 {
		rd.Err = fmt.Errorf("%d unexpected trailing bytes", rd.Remaining())
	}
	if rd.Err != nil {
		return nil, rd.Err
	}
	var meta checkpointMeta
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return nil, fmt.Errorf("metadata: %v", err)
	}
	params, err := torch.ReadNamed(bytes.NewReader(paramBytes))
	if err != nil {
		return nil, fmt.Errorf("parameters: %v", err)
	}
	if err := checkParamShapes(params, meta.Policy, meta.IO); err != nil {
		return nil, err
	}
	return &Checkpoint{
		ConfigHash: meta.ConfigHash, Policy: meta.Policy, IO: meta.IO, PPO: meta.PPO, Seed: meta.Seed,
		TrainLevels: meta.TrainLevels, Update: meta.State.Update, GlobalStep: meta.State.GlobalStep,
		Params: params, OptimState: append([]byte(nil), optBytes...), state: meta.State,
	}, nil
}

// checkParamShapes reports parameters other than the float32 tensors, in
// order and with the shapes, that the policy config and io describe
// (computed without building the network).
func checkParamShapes(params []torch.HostTensor, cfg PolicyConfig, io PolicyIO) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("policy config: %v", err)
	}
	if err := io.Validate(); err != nil {
		return err
	}
	want := paramShapes(cfg, io)
	if len(params) != len(want) {
		return fmt.Errorf("%d parameter tensors, the %s policy has %d", len(params), cfg.Arch, len(want))
	}
	for i, w := range want {
		p := params[i]
		if p.Name != w.name || !slices.Equal(p.Shape, w.shape) || p.Ints != nil {
			return fmt.Errorf("parameter %d is %q %v (int64 %v), the %s policy's is %q %v float32",
				i, p.Name, p.Shape, p.Ints != nil, cfg.Arch, w.name, w.shape)
		}
	}
	return nil
}

// loadParams copies the checkpoint's parameters into p, which must have the
// same names and shapes.
func (c *Checkpoint) loadParams(p Policy) error {
	var buf bytes.Buffer
	if err := torch.WriteHost(&buf, c.Params); err != nil {
		return err
	}
	if err := torch.LoadNamed(&buf, p.Params()); err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w: %v", c.Path, ErrCheckpoint, err)
	}
	return nil
}

// LoadPolicy rebuilds the policy stored in a checkpoint (architecture,
// shapes and parameters) for evaluation. The caller must Free it.
func LoadPolicy(path string) (Policy, *Checkpoint, error) {
	c, err := ReadCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := c.buildPolicy()
	if err != nil {
		return nil, nil, err
	}
	return p, c, nil
}

// buildPolicy builds the checkpoint's policy and loads its parameters.
func (c *Checkpoint) buildPolicy() (Policy, error) {
	p, err := NewPolicy(c.Policy, c.IO, 0)
	if err != nil {
		return nil, fmt.Errorf("agents: checkpoint %s: %w", c.Path, err)
	}
	if err := c.loadParams(p); err != nil {
		p.Free()
		return nil, err
	}
	return p, nil
}
