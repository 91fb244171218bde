package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/misgen/misgen/internal/testtool"
	"github.com/misgen/misgen/schema"
)

// ScreenshotEnv names the environment variable that, when set, is the path
// the browser test saves its full-page screenshot to (PNG).
const ScreenshotEnv = "MISGEN_REPORT_SCREENSHOT"

// TestReportInChromium loads a complete run's report in headless
// Chromium and checks what a reader would see: no console errors or
// exceptions (a blocked external load would be one), every image decoded,
// the failure table's numbers equal to failure_rates.json, and a first
// screen that opens with each seed's prediction line and explanation
// (the run has audit/predictions.json). It saves a full-page screenshot.
func TestReportInChromium(t *testing.T) {
	testtool.Integration(t, "drives headless Chromium")
	bin := testtool.RequireAny(t, "install Debian's chromium (scripts/setup.sh does) to run the report's browser test",
		"chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
	r := sharedCompleteRun(t)
	rows, err := schema.ReadRowsJSON(r.FailureRatesJSON())
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	type image struct {
		Alt      string `json:"alt"`
		Src      string `json:"src"`
		Complete bool   `json:"complete"`
		Width    int    `json:"w"`
		Height   int    `json:"h"`
	}
	type cell struct {
		Variant  string `json:"variant"`
		Seed     string `json:"seed"`
		Outcome  string `json:"outcome"`
		Episodes string `json:"episodes"`
		Count    string `json:"count"`
		Rate     string `json:"rate"`
		CILow    string `json:"ciLow"`
		CIHigh   string `json:"ciHigh"`
		Text     string `json:"text"`
	}
	// What the first screen (the viewport before any scrolling) shows of
	// the per-seed verdict.
	type seedVerdict struct {
		Text   string  `json:"text"`
		Top    float64 `json:"top"`
		Bottom float64 `json:"bottom"`
	}
	type screen struct {
		Height float64       `json:"height"`
		Seeds  []seedVerdict `json:"seeds"`
	}
	var images []image
	var cells []cell
	var first screen
	var title string
	var shot []byte
	problems, err := browse(bctx, "file://"+r.Report(), func(ctx context.Context) error {
		var err error
		if title, err = chromedp.Run(ctx, chromedp.Title()); err != nil {
			return err
		}
		if images, err = chromedp.Run(ctx, chromedp.Evaluate[[]image](`Array.from(document.images).map(i => ({alt: i.alt, src: i.src.slice(0, 30), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}))`)); err != nil {
			return err
		}
		if cells, err = chromedp.Run(ctx, chromedp.Evaluate[[]cell](`Array.from(document.querySelectorAll("#failure-rates td.rate")).map(td => ({...td.dataset, text: td.innerText}))`)); err != nil {
			return err
		}
		if first, err = chromedp.Run(ctx, chromedp.Evaluate[screen](`({height: window.innerHeight, seeds: Array.from(document.querySelectorAll("#verdict .seed-verdict")).map(li => { const r = li.getBoundingClientRect(); return {text: li.innerText, top: r.top, bottom: r.bottom} })})`)); err != nil {
			return err
		}
		shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		return err
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
	if !strings.Contains(title, "misgen audit report") {
		t.Errorf("page title %q", title)
	}
	if len(images) != 5 {
		t.Errorf("%d images, want 5 (curves, bars, two GIFs, eigenvector)", len(images))
	}
	for i, im := range images {
		if !im.Complete || im.Width <= 0 || im.Height <= 0 {
			t.Errorf("image %d (%s, %s...) not decoded: complete %v, natural size %dx%d", i, im.Alt, im.Src, im.Complete, im.Width, im.Height)
		}
	}

	// The run has audit/predictions.json: the first screen opens with each
	// seed's prediction line and its explanation, the first seed's in full
	// view before any scrolling.
	doc, _ := readPredictionsFixture(t)
	if len(first.Seeds) != len(doc.Agents) {
		t.Errorf("first screen shows %d seed verdicts, predictions.json has %d agents", len(first.Seeds), len(doc.Agents))
	}
	for i := range min(len(first.Seeds), len(doc.Agents)) {
		got, a := strings.Join(strings.Fields(first.Seeds[i].Text), " "), doc.Agents[i]
		for _, want := range []string{a["line"].(string), a["explanation"].(string)} {
			if !strings.Contains(got, want) {
				t.Errorf("seed verdict %d shows %q, lacks %q", i, got, want)
			}
		}
	}
	if len(first.Seeds) > 0 && (first.Seeds[0].Top < 0 || first.Seeds[0].Bottom > first.Height) {
		t.Errorf("the first seed's verdict spans %.0f–%.0f px, outside the first screen (%.0f px)", first.Seeds[0].Top, first.Seeds[0].Bottom, first.Height)
	}

	if len(cells) != len(rows) {
		t.Errorf("table has %d rate cells, failure_rates.json %d rows", len(cells), len(rows))
	}
	byKey := map[string]cell{}
	for _, c := range cells {
		byKey[c.Variant+"/"+c.Seed+"/"+c.Outcome] = c
	}
	for i, row := range rows {
		c, ok := byKey[row.Variant+"/"+row.Seed+"/"+row.Outcome]
		if !ok {
			t.Errorf("row %d %s/%s/%s not in the rendered table", i, row.Variant, row.Seed, row.Outcome)
			continue
		}
		got := []string{c.Episodes, c.Count, c.Rate, c.CILow, c.CIHigh}
		want := []string{fmt.Sprint(row.Episodes), fmt.Sprint(row.Count), fmt.Sprint(row.Rate), fmt.Sprint(row.CILow), fmt.Sprint(row.CIHigh)}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("row %d %s/%s/%s: rendered %v, file %v", i, row.Variant, row.Seed, row.Outcome, got, want)
		}
		lines := strings.Split(strings.TrimSpace(c.Text), "\n")
		if strings.TrimSpace(lines[0]) != row.Percent() || strings.TrimSpace(lines[len(lines)-1]) != fmt.Sprintf("%d/%d", row.Count, row.Episodes) {
			t.Errorf("row %d %s/%s/%s: cell shows %q, want %q and %d/%d", i, row.Variant, row.Seed, row.Outcome, c.Text, row.Percent(), row.Count, row.Episodes)
		}
	}

	path := os.Getenv(ScreenshotEnv)
	if path == "" {
		path = filepath.Join(t.TempDir(), "report.png")
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot (%d bytes): %s", len(shot), path)
}

// doneMarker is logged after the checks so the console reader knows every
// earlier message has arrived (the console stream keeps order).
const doneMarker = "misgen-report-test: done"

// browse opens url in the browser context, waits until the page and all
// its images have loaded, runs check, and returns every console error,
// warning, exception and browser-log error or warning the page produced.
func browse(ctx context.Context, url string, check func(context.Context) error) ([]string, error) {
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	messages := chromedp.Console(cctx)
	var problems []string
	done := make(chan error, 1)
	go func() {
		for m, err := range messages {
			if err != nil {
				done <- err
				return
			}
			if m.Text == doneMarker {
				done <- nil
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException, "assert":
				problems = append(problems, fmt.Sprintf("%s: %s %s", m.Type, m.Text, m.URL))
			}
		}
		done <- nil
	}()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitReady("body"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[chromedp.Void](`document.readyState === "complete" && Array.from(document.images).every(i => i.complete)`,
				chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
			return err
		}),
	)
	if err == nil {
		err = check(ctx)
	}
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`console.info(`+strconv.Quote(doneMarker)+`), true`))
	}
	if err != nil {
		return nil, err
	}
	select {
	case err := <-done:
		return problems, err
	case <-ctx.Done(): // the test's failure bound, not a speed limit
		return nil, fmt.Errorf("console: marker not seen: %w", ctx.Err())
	}
}
