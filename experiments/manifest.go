package experiments

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/internal/torch"
)

// Commit can be set at link time (-ldflags "-X
// github.com/misgen/misgen/experiments.Commit=$(git rev-parse HEAD)") for
// builds without VCS stamping (-buildvcs=false); otherwise the manifest
// takes the commit from the binary's build info.
var Commit string

// Manifest records what produced a run directory: tool version, config,
// seeds, machine and times. It is rewritten after every stage.
type Manifest struct {
	Tool            string `json:"tool"`
	Version         string `json:"version"`
	Commit          string `json:"commit"`
	Modified        bool   `json:"modified,omitempty"` // built from a dirty work tree
	GoVersion       string `json:"go_version"`
	LibtorchVersion string `json:"libtorch_version"`

	Experiment string   `json:"experiment"`
	Point      string   `json:"point,omitempty"`
	Profile    string   `json:"profile"`
	ConfigHash string   `json:"config_hash"`
	RunID      string   `json:"run_id"`
	Seeds      []int    `json:"seeds"` // seeds of this shard's jobs
	Shard      string   `json:"shard"`
	Args       []string `json:"args,omitempty"`

	Machine Machine `json:"machine"`

	// StartedAt is the first start of the run; FinishedAt the time the
	// last stage completed (nil while incomplete).
	StartedAt  time.Time             `json:"started_at"`
	FinishedAt *time.Time            `json:"finished_at,omitempty"`
	Stages     map[string]StageTimes `json:"stages"`
	// Sessions lists every invocation on this directory (resumes included).
	Sessions []Session `json:"sessions"`
}

// Machine identifies the host of a session.
type Machine struct {
	Hostname string `json:"hostname"`
	GOOS     string `json:"goos"`
	GOARCH   string `json:"goarch"`
	NumCPU   int    `json:"num_cpu"`
}

// StageTimes records one stage's last successful execution.
type StageTimes struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// Session is one invocation of the pipeline on the run directory.
type Session struct {
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Host      string     `json:"host"`
	Error     string     `json:"error,omitempty"` // why the session stopped, if it failed
}

func currentMachine() Machine {
	host, _ := os.Hostname()
	return Machine{Hostname: host, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU()}
}

// buildIdentity fills the tool fields from the binary's build info.
func (m *Manifest) buildIdentity() {
	m.Tool = "misgen experiments"
	m.Version = "(devel)"
	m.Commit = Commit
	m.GoVersion = runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			m.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if m.Commit == "" {
					m.Commit = s.Value
				}
			case "vcs.modified":
				m.Modified = s.Value == "true"
			}
		}
	}
	if m.Commit == "" {
		m.Commit = "unknown"
	}
	m.LibtorchVersion = torch.Version()
}

// readManifest loads an existing manifest; a missing file gives nil.
func readManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeManifest(data)
}

// decodeManifest decodes a manifest file's bytes. The file may come from
// elsewhere (a shared run directory): FuzzManifest checks that any bytes
// give an error or a manifest that writeManifest can write back.
func decodeManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func writeManifest(path string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}
