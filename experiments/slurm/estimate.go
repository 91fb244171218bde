package slurm

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/schema"
)

// Estimate is a guess at the wall time of the busiest array task, for
// choosing --time. It counts training only, from a training rate measured
// elsewhere; evaluation, interpretability and the audit run after training
// in the same task and are covered by Suggested's margin, not measured.
type Estimate struct {
	// Steps is Scripts.TaskSteps: what one seed slot of the busiest task
	// trains in sequence.
	Steps int64
	// StepsPerS is the assumed training rate of one seed, in environment
	// steps per second.
	StepsPerS float64
	// Train is Steps / StepsPerS.
	Train time.Duration
	// Suggested is a --time for the array: SuggestedTime(Train).
	Suggested time.Duration
}

// NewEstimate estimates the busiest task's training from the steps it
// trains and the rate of one seed. It panics unless stepsPerS > 0.
func NewEstimate(steps int64, stepsPerS float64) Estimate {
	if !(stepsPerS > 0) || math.IsInf(stepsPerS, 0) {
		panic(fmt.Sprintf("slurm: NewEstimate with %v steps/s", stepsPerS))
	}
	train := time.Duration(float64(steps) / stepsPerS * float64(time.Second))
	return Estimate{Steps: steps, StepsPerS: stepsPerS, Train: train, Suggested: SuggestedTime(train)}
}

// SuggestedTime is a --time for a task that trains for train: twice the
// training plus ten minutes (for the stages after training, start-up and a
// rate slower than the measured one), rounded up to whole 5 minutes.
func SuggestedTime(train time.Duration) time.Duration {
	const step = 5 * time.Minute
	t := 2*train + 10*time.Minute
	return (t + step - 1) / step * step
}

// TrainLogs lists the training logs a rate for config c is best measured
// from: those of c's own run directories under out (a previous or partial
// run of the same config), else those of runs of the same experiment and
// profile under each root in turn (e.g. the results root, then the
// committed results/), at <root>/<experiment>/[<sweep point>/]<profile>-*/.
// The first non-empty set wins; none found is an empty list.
func TrainLogs(c *experiments.Config, out string, roots ...string) ([]string, error) {
	runs, err := experiments.Plan(c, experiments.PlanOptions{Out: out})
	if err != nil {
		return nil, err
	}
	var own []string
	for _, r := range runs {
		own = append(own, logsIn(r.Dir)...)
	}
	if len(own) > 0 {
		return own, nil
	}
	for _, root := range roots {
		base := filepath.Join(root, c.Experiment.Name)
		var found []string
		for _, pattern := range []string{
			filepath.Join(base, c.Experiment.Profile+"-*"),
			filepath.Join(base, "*", c.Experiment.Profile+"-*"),
		} {
			dirs, _ := filepath.Glob(pattern) // the patterns are well-formed
			for _, d := range dirs {
				found = append(found, logsIn(d)...)
			}
		}
		if len(found) > 0 {
			return found, nil
		}
	}
	return nil, nil
}

// logsIn lists the JSON-lines training logs of run directory dir.
func logsIn(dir string) []string {
	logs, _ := filepath.Glob(filepath.Join(schema.RunLayout{Dir: dir}.Logs(), "train-seed-*.jsonl"))
	return logs
}

// MeasuredRate is the median steps/s over every update of the training
// logs at paths (agents' per-update steps_per_s), and the number of
// updates it is taken over. Updates without a finite positive rate are
// skipped; no such update at all is an error.
func MeasuredRate(paths []string) (rate float64, updates int, err error) {
	var rates []float64
	for _, p := range paths {
		rows, err := agents.ReadTrainLog(p)
		if err != nil {
			return 0, 0, err
		}
		for _, r := range rows {
			if v := float64(r.StepsPerS); v > 0 && !math.IsInf(v, 0) {
				rates = append(rates, v)
			}
		}
	}
	if len(rates) == 0 {
		return 0, 0, fmt.Errorf("slurm: no training rate in %d training logs", len(paths))
	}
	slices.Sort(rates)
	n := len(rates)
	if n%2 == 1 {
		return rates[n/2], n, nil
	}
	return (rates[n/2-1] + rates[n/2]) / 2, n, nil
}

// FormatTime writes d, rounded up to whole seconds, as a Slurm --time:
// HH:MM:SS, or D-HH:MM:SS from one day on.
func FormatTime(d time.Duration) string {
	s := int64((max(d, 0) + time.Second - 1) / time.Second)
	days, s := s/86400, s%86400
	hms := fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	if days > 0 {
		return fmt.Sprintf("%d-%s", days, hms)
	}
	return hms
}

// ParseTime parses a Slurm --time: "minutes", "minutes:seconds",
// "hours:minutes:seconds", "days-hours", "days-hours:minutes" or
// "days-hours:minutes:seconds". 0 means no limit (as "0" does for sbatch);
// other forms ("UNLIMITED", "infinite") are an error here.
func ParseTime(s string) (time.Duration, error) {
	bad := fmt.Errorf("slurm: time %q: want minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS", s)
	var days int64
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, err := strconv.ParseUint(d, 10, 32)
		if err != nil {
			return 0, bad
		}
		days, rest = int64(n), r
	}
	var parts []int64
	for _, f := range strings.Split(rest, ":") {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return 0, bad
		}
		parts = append(parts, int64(n))
	}
	var h, m, sec int64
	switch {
	case days > 0 || strings.Contains(s, "-"):
		if len(parts) > 3 {
			return 0, bad
		}
		parts = append(parts, 0, 0)
		h, m, sec = parts[0], parts[1], parts[2]
	case len(parts) == 1:
		m = parts[0]
	case len(parts) == 2:
		m, sec = parts[0], parts[1]
	case len(parts) == 3:
		h, m, sec = parts[0], parts[1], parts[2]
	default:
		return 0, bad
	}
	return time.Duration(((days*24+h)*60+m)*60+sec) * time.Second, nil
}
