package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/schema"
)

// MeasureOptions configure the audit of one subject.
type MeasureOptions struct {
	Collect CollectOptions
	Stats   Options
}

// AgentStats are one agent's audit statistics: the output of the
// statistics step, before any OOD result is read.
type AgentStats struct {
	ID     string  `json:"id"`
	Group  string  `json:"group"`
	Values []Value `json:"statistics"`
	// Halves are the statistics measured again on each half of the audit
	// levels (even and odd), for split-half reliability.
	Halves [2][]Value `json:"halves"`
	// AuditEnv is the audit distribution's key (AuditEnv.Key): every agent
	// of a population must share it.
	AuditEnv string  `json:"audit_env"`
	Episodes int     `json:"audit_episodes"`
	Frames   int     `json:"audit_frames"`
	Seconds  float64 `json:"seconds"`
}

// Get returns the value of the statistic name (NaN when absent).
func (s *AgentStats) Get(name string) float64 { return valueOf(s.Values, name) }

// Measure audits one subject: it loads the checkpoint, rolls the policy
// out on training-variant levels and computes every statistic. It reads
// nothing but the subject.
func Measure(ctx context.Context, subj Subject, o MeasureOptions) (*AgentStats, error) {
	if err := subj.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	policy, _, err := agents.LoadPolicy(subj.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	defer policy.Free()
	o.Collect.Greedy = subj.Greedy
	data, err := Collect(ctx, policy, subj.Env, o.Collect)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	a, err := NewMeasurement(policy, data, o.Stats)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	key, err := subj.Env.Key(o.Collect.Levels)
	if err != nil {
		return nil, err
	}
	st := &AgentStats{ID: subj.ID, Group: subj.Group, AuditEnv: key, Episodes: len(data.Episodes), Frames: len(data.Frames)}
	if st.Values, err = MeasurePolicy(ctx, a); err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	for h := range st.Halves {
		ah, err := NewMeasurement(policy, data.Half(h), o.Stats)
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
		}
		if st.Halves[h], err = MeasurePolicy(ctx, ah); err != nil {
			return nil, fmt.Errorf("audit %s, half %d: %w", subj.ID, h, err)
		}
	}
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// GetHalf returns the value of the statistic name measured on half h
// (NaN when absent).
func (s *AgentStats) GetHalf(h int, name string) float64 {
	return valueOf(s.Halves[h], name)
}

// Set sets (or adds) the value of the statistic name: the caller's
// outside-the-box statistics, which are the same on both halves.
func (s *AgentStats) Set(name string, v float64) {
	set := func(vals *[]Value) {
		for i := range *vals {
			if (*vals)[i].Name == name {
				(*vals)[i].Value = schema.Num(v)
				return
			}
		}
		*vals = append(*vals, Value{Name: name, Value: schema.Num(v)})
	}
	set(&s.Values)
	for h := range s.Halves {
		set(&s.Halves[h])
	}
}

func valueOf(vals []Value, name string) float64 {
	for _, v := range vals {
		if v.Name == name {
			return float64(v.Value)
		}
	}
	return nan
}

// commonAuditEnv returns the audit distribution every agent shares, or an
// error naming two agents audited on different ones.
func commonAuditEnv(stats []*AgentStats) (string, error) {
	for _, s := range stats[1:] {
		if s.AuditEnv != stats[0].AuditEnv {
			return "", fmt.Errorf("audit: agents %s and %s were audited on different distributions (%q vs %q): a population is audited on one canonical distribution with the same levels; re-run `experiments audit --force`",
				stats[0].ID, s.ID, stats[0].AuditEnv, s.AuditEnv)
		}
	}
	return stats[0].AuditEnv, nil
}

// StatisticsHash is a SHA-256 over the agents' statistics (in ID order,
// as JSON): written with them before any OOD record is read, and shown in
// the report, so that a reader can check that the statistics the
// validation used are the ones fixed in advance.
func StatisticsHash(stats []*AgentStats) (string, error) {
	sorted := append([]*AgentStats(nil), stats...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	h := sha256.New()
	for _, s := range sorted {
		cp := *s
		cp.Seconds = 0 // wall time is no part of a statistic
		b, err := json.Marshal(&cp)
		if err != nil {
			return "", fmt.Errorf("audit: hashing statistics of %s: %w", s.ID, err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
