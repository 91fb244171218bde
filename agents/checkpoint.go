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

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/atomicfile"
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
	maxMetaBytes   = 256 << 20
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
	var params bytes.Buffer
	if err := torch.WriteNamed(&params, policy.Params()); err != nil {
		return fmt.Errorf("agents: checkpoint %s: parameters: %w", path, err)
	}
	optState, err := opt.State()
	if err != nil {
		return fmt.Errorf("agents: checkpoint %s: optimizer: %w", path, err)
	}
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, checkpointVersion))
	buf.Write(le.AppendUint32(nil, uint32(len(metaJSON))))
	buf.Write(metaJSON)
	buf.Write(le.AppendUint64(nil, uint64(params.Len())))
	buf.Write(params.Bytes())
	buf.Write(le.AppendUint64(nil, uint64(len(optState))))
	buf.Write(optState)
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("agents: checkpoint: %w", err)
	}
	return nil
}

// ReadCheckpoint reads and verifies a checkpoint file. A missing file gives
// an error satisfying errors.Is(err, fs.ErrNotExist); a corrupt, truncated
// or unknown-version file an error wrapping ErrCheckpoint that names path.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agents: reading checkpoint: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("agents: checkpoint %s: %w: %s", path, ErrCheckpoint, fmt.Sprintf(format, args...))
	}
	if len(b) < len(checkpointMagic)+2+4+8+8+4 || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, bad("not a misgen checkpoint (bad magic or %d bytes)", len(b))
	}
	le := binary.LittleEndian
	body, sum := b[:len(b)-4], le.Uint32(b[len(b)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, bad("checksum mismatch (file %08x, content %08x): truncated or corrupted", sum, got)
	}
	rest := body[len(checkpointMagic):]
	if v := le.Uint16(rest); v != checkpointVersion {
		return nil, bad("version %d, this build reads version %d", v, checkpointVersion)
	}
	rest = rest[2:]
	section := func(name string, lenBytes int) ([]byte, error) {
		if len(rest) < lenBytes {
			return nil, bad("truncated before %s", name)
		}
		var n uint64
		if lenBytes == 4 {
			n = uint64(le.Uint32(rest))
		} else {
			n = le.Uint64(rest)
		}
		rest = rest[lenBytes:]
		if n > uint64(len(rest)) {
			return nil, bad("%s needs %d bytes, %d left", name, n, len(rest))
		}
		s := rest[:n]
		rest = rest[n:]
		return s, nil
	}
	metaJSON, err := section("metadata", 4)
	if err != nil {
		return nil, err
	}
	paramBytes, err := section("parameters", 8)
	if err != nil {
		return nil, err
	}
	optBytes, err := section("optimizer state", 8)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, bad("%d unexpected trailing bytes", len(rest))
	}
	var meta checkpointMeta
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return nil, bad("metadata: %v", err)
	}
	params, err := torch.ReadNamed(bytes.NewReader(paramBytes))
	if err != nil {
		return nil, bad("parameters: %v", err)
	}
	return &Checkpoint{
		Path: path, ConfigHash: meta.ConfigHash, Policy: meta.Policy, IO: meta.IO, PPO: meta.PPO, Seed: meta.Seed,
		TrainLevels: meta.TrainLevels, Update: meta.State.Update, GlobalStep: meta.State.GlobalStep,
		Params: params, OptimState: append([]byte(nil), optBytes...), state: meta.State,
	}, nil
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
	p, err := NewPolicy(c.Policy, c.IO, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("agents: checkpoint %s: %w", path, err)
	}
	if err := c.loadParams(p); err != nil {
		p.Free()
		return nil, nil, err
	}
	return p, c, nil
}
