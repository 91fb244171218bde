package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
	"github.com/misgen/misgen/viz/replay"
)

// Write builds <runDir>/report.html from the run directory's files (see
// the package documentation). Missing inputs leave their section saying
// what is missing; an input that exists but cannot be parsed is an error
// naming the file. The page is written atomically.
func Write(runDir string) error { return WriteFiles(DefaultFiles(runDir)) }

// WriteFiles is Write with explicit file names.
func WriteFiles(f Files) error {
	p, err := build(f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: rendering %s: %w", f.Report(), err)
	}
	return atomicfile.WriteFile(f.Report(), buf.Bytes(), 0o644)
}

// figure is an inlined image with its caption and source file.
type figure struct {
	URI     template.URL
	Alt     string
	Caption template.HTML
	Source  string
}

// page is the template's model.
type page struct {
	Title  string
	Setup  *setup
	Roles  roles
	Files  Files
	Source func(string) string // path relative to the run dir

	Logs        []logSummary
	LogsDir     string
	Curves      *figure
	CurvesNote  string
	Table       *rateTable
	TableSource string
	Bars        *figure
	BarsNote    string

	ReplayNote string
	Rejected   []string
	Success    *figure
	Failure    *figure

	Interp       *interpOutputs
	InterpTopics []interpTopic

	Verdict       *verdictView
	Circumvention *circumventionView
	Audit         audit
}

func build(f Files) (*page, error) {
	// Read and check every input first, so a corrupt file is reported
	// before any time goes into drawing plots and GIFs.
	s, err := readSetup(f)
	if err != nil {
		return nil, err
	}
	p := &page{Setup: s, Files: f, Source: f.rel, Roles: gameRoles(s.Game)}
	p.Title = s.Title
	if p.Title == "" {
		p.Title = s.Description
	}
	if p.Title == "" {
		p.Title = s.Name
	}
	logs, err := readTrainLogs(f.Logs())
	if err != nil {
		return nil, err
	}
	rows, err := readRates(f.FailureRatesJSON())
	if err != nil {
		return nil, err
	}
	in, err := readInterp(f.Interp())
	if err != nil {
		return nil, err
	}
	set, err := readReplays(f.Replays())
	if err != nil {
		return nil, err
	}
	group := s.Name
	if s.Point != "" {
		group += "/" + s.Point
	}
	if p.Verdict, err = readVerdict(f, group); err != nil {
		return nil, err
	}
	if p.Circumvention, err = readCircumvention(f); err != nil {
		return nil, err
	}

	p.LogsDir = f.rel(f.Logs())
	for _, l := range logs {
		p.Logs = append(p.Logs, summarise(l))
	}
	p.TableSource = f.rel(f.FailureRatesJSON())
	if rows != nil {
		p.Table = newRateTable(rows)
	}
	p.Interp = in
	p.InterpTopics = in.Topics()
	lead := explanations(p.Verdict.Predictions)
	p.Audit = audit{BlackBox: blackBox(p.Table, p.Roles, p.TableSource, p.Verdict.Control),
		WhiteBox: append(lead, whiteBox(in, f, len(lead) > 0)...)}
	if p.Verdict.Predictions == nil && p.Verdict.Population == nil {
		p.Verdict.Headline = failureHeadline(p.Table, p.Roles, p.TableSource, s.Control)
	}

	if err := p.learningCurves(f, logs); err != nil {
		return nil, err
	}
	if err := p.failureBars(f, rows); err != nil {
		return nil, err
	}
	if err := p.replays(f, set); err != nil {
		return nil, err
	}
	return p, nil
}

// readOptional reads path; a missing file gives nil, nil.
func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

func dataURI(mime string, data []byte) template.URL {
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data))
}

// learningCurves uses plots/learning_curves.png, or draws the curves from
// the training logs.
func (p *page) learningCurves(f Files, logs []trainLog) error {
	path := filepath.Join(f.Plots(), LearningCurvesPNG)
	png, err := readOptional(path)
	if err != nil {
		return err
	}
	src := f.rel(path)
	if png == nil && len(logs) > 0 {
		png, err = plot.LearningCurves(curves(logs), "Training: "+p.Setup.Name, plot.Size{W: plot.DefaultSize.W, H: plot.DefaultSize.H, DPI: plot.DefaultSize.DPI})
		if err != nil {
			// Logs without a single finished episode have nothing to plot.
			p.CurvesNote = fmt.Sprintf("The training logs in %s have no points to plot (%v).", p.LogsDir, err)
			return nil
		}
		src = p.LogsDir + "/*.jsonl"
	}
	if png == nil {
		p.CurvesNote = fmt.Sprintf("No training logs were found in %s and there is no %s: the train stage has not run in this directory.", p.LogsDir, f.rel(path))
		return nil
	}
	p.Curves = &figure{URI: dataURI("image/png", png), Alt: "learning curves",
		Caption: "Episodic return (top) and success rate (bottom) against environment steps, one line per training seed, on training levels.", Source: src}
	return nil
}

// failureBars uses plots/failure_rates.png, or draws it from the table.
func (p *page) failureBars(f Files, rows []schema.Row) error {
	path := filepath.Join(f.Plots(), FailureBarsPNG)
	png, err := readOptional(path)
	if err != nil {
		return err
	}
	src := f.rel(path)
	if png == nil && len(rows) > 0 {
		if png, err = plot.FailureBars(rows, p.Roles.palette(), "Outcomes pooled over seeds", plot.DefaultSize); err != nil {
			return fmt.Errorf("report: bar chart of %s: %w", f.FailureRatesJSON(), err)
		}
		src = p.TableSource
	}
	if png == nil {
		p.BarsNote = "No bar chart: there is no failure-rate table."
		return nil
	}
	p.Bars = &figure{URI: dataURI("image/png", png), Alt: "failure-rate bar chart",
		Caption: "Share of evaluation episodes ending in each outcome, pooled over training seeds; error bars are Wilson 95% intervals.", Source: src}
	return nil
}

// replays picks a typical in-distribution success and a typical OOD proxy
// failure from the saved replays and renders them as GIFs.
func (p *page) replays(f Files, set *replaySet) error {
	dir := f.rel(f.Replays())
	p.Rejected = set.Rejected
	if len(set.Episodes) == 0 {
		p.ReplayNote = fmt.Sprintf("No replays were found in %s/, so there are no episode animations in this report.", dir)
		if len(set.Rejected) > 0 {
			p.ReplayNote = fmt.Sprintf("No replay in %s/ could be verified against the current game code, so there are no episode animations.", dir)
		}
		return nil
	}
	if !p.Roles.Known {
		p.ReplayNote = "The game's success and proxy outcomes are unknown, so no typical episodes can be chosen."
		return nil
	}
	type choice struct {
		fig  **figure
		what string
		keep func(*replay.Episode) bool
	}
	choices := []choice{
		{&p.Success, "Typical in-distribution success", func(ep *replay.Episode) bool { return ep.ID() && string(ep.Outcome) == p.Roles.Success }},
		{&p.Failure, "Typical OOD failure", func(ep *replay.Episode) bool { return !ep.ID() && string(ep.Outcome) == p.Roles.Proxy }},
	}
	// The two GIFs render in parallel: drawing every frame is most of the
	// report's time.
	errs := make([]error, len(choices))
	var wg sync.WaitGroup
	for i, c := range choices {
		e, n, ok := set.typical(c.keep)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			gif, err := episodeGIF(&e)
			if err != nil {
				errs[i] = err
				return
			}
			*c.fig = &figure{URI: dataURI("image/gif", gif), Alt: c.what,
				Caption: template.HTML(fmt.Sprintf("%s: %s — training seed %d, level %d, %d steps, outcome %s (median length of the %d such replays).",
					template.HTMLEscapeString(c.what), code(e.Ep.Variant), e.Ep.TrainSeed, e.Ep.LevelSeed, len(e.Ep.Steps), code(string(e.Ep.Outcome)), n)),
				Source: f.rel(e.Path)}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
