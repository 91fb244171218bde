package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"time"
)

//go:embed page.tmpl
var pageSource string

//go:embed page.css
var pageCSS string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"css":     func() template.CSS { return template.CSS(pageCSS) },
	"json":    jsonHTML,
	"md":      markdownHTML,
	"image":   func(f interpFile) template.URL { return dataURI("image/"+f.Kind, f.Image) },
	"caption": func(stem string) string { return strings.ReplaceAll(strings.ReplaceAll(stem, "_", " "), "-", " ") },
	"dur":     formatDuration,
	"when":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") },
	"num":     func(p *float64) string { return optFloat(p, "%.3g") },
	"pctp":    func(p *float64) string { return optFloat(p, "%.0f%%", 100) },
	"pct1":    func(x float64) string { return fmt.Sprintf("%.1f", 100*x) },
	"exact":   func(x float64) string { return fmt.Sprint(x) },
	"seeds":   func(s []int) string { return strings.Trim(fmt.Sprint(s), "[]") },
	"short":   func(s string) string { return s[:min(len(s), 12)] },
}).Parse(pageSource))

// formatDuration renders d rounded for people: "1h 02m", "4m 05s", "12.3s".
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// optFloat formats *p (scaled by the optional factor) or "—" when nil.
func optFloat(p *float64, format string, scale ...float64) string {
	if p == nil {
		return "—"
	}
	x := *p
	for _, s := range scale {
		x *= s
	}
	return fmt.Sprintf(format, x)
}
