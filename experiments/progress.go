package experiments

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress writes human-readable progress lines (stage, seed, steps, ETA)
// to a terminal, normally stderr. A nil *Progress discards everything.
// It is safe for concurrent use.
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	now    func() time.Time
}

// NewProgress writes lines "[prefix] message" to w.
func NewProgress(w io.Writer, prefix string) *Progress {
	return &Progress{w: w, prefix: prefix, now: time.Now}
}

// Printf writes one line.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if p.prefix != "" {
		msg = "[" + p.prefix + "] " + msg
	}
	fmt.Fprintln(p.w, msg)
}

// Meter reports progress of a counted task (env steps, episodes) at most
// once per interval, with rate and ETA.
type Meter struct {
	p        *Progress
	label    string
	unit     string
	total    int64
	start    time.Time
	last     time.Time
	interval time.Duration
}

// Meter starts a meter for total units; label is e.g. "train seed 2".
func (p *Progress) Meter(label string, total int64, unit string) *Meter {
	if p == nil {
		return nil
	}
	t := p.now()
	return &Meter{p: p, label: label, unit: unit, total: total, start: t, interval: 5 * time.Second}
}

// Update reports done units; it prints when the interval has passed since
// the last line or the task is complete.
func (m *Meter) Update(done int64) {
	if m == nil {
		return
	}
	now := m.p.now()
	if done < m.total && now.Sub(m.last) < m.interval {
		return
	}
	m.last = now
	m.p.Printf("%s", m.line(done, now))
}

func (m *Meter) line(done int64, now time.Time) string {
	elapsed := now.Sub(m.start)
	s := fmt.Sprintf("%s: %d/%d %s", m.label, done, m.total, m.unit)
	if m.total > 0 {
		s += fmt.Sprintf(" (%.0f%%)", 100*float64(done)/float64(m.total))
	}
	if elapsed > 0 && done > 0 {
		rate := float64(done) / elapsed.Seconds()
		s += fmt.Sprintf(", %s %s/s", humanCount(rate), m.unit)
		if done < m.total {
			eta := time.Duration(float64(m.total-done) / rate * float64(time.Second))
			s += ", ETA " + eta.Round(time.Second).String()
		} else {
			s += ", took " + elapsed.Round(time.Second).String()
		}
	}
	return s
}

func humanCount(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.1fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.1f", x)
}
