package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// auditFile mirrors the part of audit.Result (audit/audit.json, written by
// the audit's population validation) that the verdict shows. The report
// does not import package audit, which would pull libtorch into a package
// that only reads files; a test compares the field names with audit's.
type auditFile struct {
	Population string `json:"population"`
	// Dir is the population output directory relative to the file's
	// directory ("" when the file is the population's own).
	Dir     string `json:"dir"`
	Verdict struct {
		Headlines    []string `json:"headlines"`
		Goal         string   `json:"goal"`
		BestWhiteBox string   `json:"best_white_box"`
	} `json:"verdict"`
	Agents []struct {
		ID    string `json:"id"`
		Group string `json:"group"`
		Line  string `json:"line"`
	} `json:"agents"`
}

// Names of the audit's files the report reads.
const (
	auditScatterPattern = "scatter_%s.png"
	vectorFieldGlob     = "vector_field_*.png"
)

// verdictView is the audit verdict that opens the report.
type verdictView struct {
	Source     string
	Population string
	Headlines  []string
	Goal       string
	Lines      []string // this run's agents
	Others     int      // agents of other runs in the population
	Scatter    *figure
	Fields     []*figure
	Note       string // why there is no verdict
}

// readVerdict reads the run's audit.json (a missing file gives a view that
// says the audit has not run) and the vector-field images beside it.
// group is this run's label (experiment[/point]), which selects its agents.
func readVerdict(f Files, group string) (*verdictView, error) {
	v := &verdictView{Source: f.rel(f.AuditJSON)}
	fields, err := vectorFields(f)
	if err != nil {
		return nil, err
	}
	v.Fields = fields
	data, err := readOptional(f.AuditJSON)
	if err != nil {
		return nil, err
	}
	if data == nil {
		v.Note = fmt.Sprintf("No audit in this run (%s is missing): enable [audit] in the config or run %s on the population's run directories.", v.Source, code("experiments audit"))
		return v, nil
	}
	var a auditFile
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", f.AuditJSON, err)
	}
	v.Population, v.Headlines, v.Goal = a.Population, a.Verdict.Headlines, a.Verdict.Goal
	for _, ag := range a.Agents {
		if ag.Group == group {
			v.Lines = append(v.Lines, ag.Line)
		} else {
			v.Others++
		}
	}
	if best := a.Verdict.BestWhiteBox; best != "" {
		path := filepath.Join(filepath.Dir(f.AuditJSON), filepath.FromSlash(a.Dir), fmt.Sprintf(auditScatterPattern, best))
		png, err := readOptional(path)
		if err != nil {
			return nil, err
		}
		if png != nil {
			v.Scatter = &figure{URI: dataURI("image/png", png), Alt: "scatter of " + best,
				Caption: template.HTML(fmt.Sprintf("The white-box statistic chosen by nested leave-one-out, %s, against each agent's measured OOD goal pursuit (top) and OOD failure (bottom); one point per agent, Wilson 95%% intervals.", code(best))),
				Source:  f.rel(path)}
		}
	}
	return v, nil
}

// vectorFields are the audit's vector-field images of a maze run.
func vectorFields(f Files) ([]*figure, error) {
	paths, err := filepath.Glob(filepath.Join(filepath.Dir(f.AuditJSON), vectorFieldGlob))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*figure
	for _, p := range paths {
		png, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		which := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "vector_field_"), ".png")
		out = append(out, &figure{URI: dataURI("image/png", png), Alt: "vector field " + which,
			Caption: template.HTML(fmt.Sprintf("Vector field (%s): on every open tile, the policy's expected move Σ p(a)·direction(a) as an arrow, goal at its %s position.", template.HTMLEscapeString(which), template.HTMLEscapeString(which))),
			Source:  f.rel(p)})
	}
	return out, nil
}
