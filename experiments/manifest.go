package experiments

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/schema"
)

// Commit and Modified are stamped at link time by `make build` (-ldflags
// "-X github.com/misgen/misgen/experiments.Commit=<git rev-parse HEAD>
// -X github.com/misgen/misgen/experiments.Modified=true|false"), because
// this machine's Go environment builds with -buildvcs=false; a binary
// built without them takes both from its VCS build info where it has one,
// else records commit "unknown".
var Commit, Modified string

// Identity is the binary's identity as a manifest records it: tool,
// version, commit and whether the work tree was modified, Go and libtorch
// versions.
func Identity() Manifest {
	var m Manifest
	buildIdentity(&m)
	return m
}

func currentMachine() Machine {
	host, _ := os.Hostname()
	return Machine{Hostname: host, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU()}
}

// buildIdentity fills m's tool fields from the binary's build info.
func buildIdentity(m *Manifest) {
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
	if Modified != "" {
		m.Modified = Modified == "true"
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
	return schema.WriteJSON(path, m)
}

// The manifest's types live in package schema.
type (
	Manifest   = schema.Manifest
	Machine    = schema.Machine
	StageTimes = schema.StageTimes
	Session    = schema.Session
)
