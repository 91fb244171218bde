package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/misgen/misgen/schema"
)

// circumventionView is the stress test's summary in a few sentences.
type circumventionView struct {
	Source    string
	Agent     string
	Tolerance float64
	Lines     []string
}

// readCircumvention reads the run's circumvention.json (nil when there is
// none).
func readCircumvention(f Files) (*circumventionView, error) {
	data, err := readOptional(f.CircumventionJSON())
	if err != nil || data == nil {
		return nil, err
	}
	var c schema.CircumventionReport
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", f.CircumventionJSON(), err)
	}
	if c.StressResult == nil {
		c.StressResult = &schema.StressResult{}
	}
	v := &circumventionView{Source: f.rel(f.CircumventionJSON()), Agent: c.Agent, Tolerance: c.Setting.Tolerance}
	var defeated, outranked, param, survived []string
	for _, fd := range c.Findings {
		switch fd.Verdict() {
		case schema.StatusParametrisation:
			param = append(param, fd.Statistic)
		case "defeated":
			defeated = append(defeated, fmt.Sprintf("%s (by %s)", fd.Statistic, strings.Join(fd.DefeatedBy, ", ")))
		case "outranked":
			outranked = append(outranked, fmt.Sprintf("%s (by %s)", fd.Statistic, strings.Join(fd.OutrankedBy, ", ")))
		case "survived":
			survived = append(survived, fd.Statistic)
		}
	}
	var changedBehaviour []string
	for _, col := range c.Columns {
		if col.Unchanged != nil && !*col.Unchanged {
			changedBehaviour = append(changedBehaviour, col.Name)
		}
	}
	for _, l := range []struct {
		label string
		items []string
	}{
		{"Defeated (the prediction from the statistic falls below its 95% interval, behaviour unchanged)", defeated},
		{"Outranked (the agent moves to the population's better half by the statistic, behaviour unchanged)", outranked},
		{"Measure the parametrisation (changed by a reparametrisation that keeps the function)", param},
		{"Survived every behaviour-preserving attack", survived},
		{"Attacks that changed behaviour beyond the intervals (not counted)", changedBehaviour},
	} {
		if len(l.items) > 0 {
			v.Lines = append(v.Lines, l.label+": "+strings.Join(l.items, "; ")+".")
		}
	}
	return v, nil
}
