package schema

import "time"

// Manifest records what produced a run directory: tool version, config,
// seeds, machine and times. It is rewritten after every stage
// (package experiments writes it, viz/report shows it).
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
