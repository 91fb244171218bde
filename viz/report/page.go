package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

//go:embed page.tmpl
var pageSource string

//go:embed page.css
var pageCSS string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"css":       func() template.CSS { return template.CSS(pageCSS) },
	"thousands": thousands,
	"rate":      func(p *float64) string { return optFloat(p, "%.0f") },
	"image":     func(f interpFile) template.URL { return dataURI("image/"+f.Kind, f.Image) },
	"caption":   func(stem string) string { return strings.ReplaceAll(strings.ReplaceAll(stem, "_", " "), "-", " ") },
	"dur":       formatDuration,
	"when":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") },
	"num":       func(p *float64) string { return optFloat(p, "%.3g") },
	"pctp":      func(p *float64) string { return optFloat(p, "%.0f%%", 100) },
	"pct1":      func(x float64) string { return fmt.Sprintf("%.1f", 100*x) },
	"exact":     func(x float64) string { return fmt.Sprint(x) },
	"seeds":     func(s []int) string { return strings.Trim(fmt.Sprint(s), "[]") },
	"short":     func(s string) string { return s[:min(len(s), 12)] },
}).Parse(pageSource))

// thousands renders n with thin-space thousands separators: 163 840.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u2009")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

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
