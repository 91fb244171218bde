package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/misgen/misgen/agents"
)

// MeasureOptions configure the audit of one subject.
type MeasureOptions struct {
	Collect CollectOptions
	Stats   Options
}

// AgentStats are one agent's audit statistics: the output of the
// statistics step, before any OOD result is read.
type AgentStats struct {
	ID       string  `json:"id"`
	Group    string  `json:"group"`
	Values   []Value `json:"statistics"`
	Episodes int     `json:"audit_episodes"`
	Frames   int     `json:"audit_frames"`
	Seconds  float64 `json:"seconds"`
}

// Get returns the value of the statistic name (NaN when absent).
func (s *AgentStats) Get(name string) float64 {
	for _, v := range s.Values {
		if v.Name == name {
			return float64(v.Value)
		}
	}
	return nan
}

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
	a, err := NewAgent(policy, data, o.Stats)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	vals, err := MeasurePolicy(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", subj.ID, err)
	}
	return &AgentStats{ID: subj.ID, Group: subj.Group, Values: vals, Episodes: len(data.Episodes), Frames: len(data.Frames),
		Seconds: time.Since(start).Seconds()}, nil
}
