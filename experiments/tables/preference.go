package tables

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// Preference table files under tables/, and the figure under plots/.
const (
	PreferenceJSON = "preference.json"
	PreferenceCSV  = "preference.csv"
	PreferenceMD   = "preference.md"
	PreferencePlot = "preference_vs_steps.png"
)

// preferenceAcc accumulates one (variant, seed) group.
type preferenceAcc struct {
	episodes, decided, proxy int
	steps, steps2            float64
}

func (a *preferenceAcc) add(b preferenceAcc) {
	a.episodes += b.episodes
	a.decided += b.decided
	a.proxy += b.proxy
	a.steps += b.steps
	a.steps2 += b.steps2
}

func (a preferenceAcc) row(variant, seed string) schema.PreferenceRow {
	r := schema.PreferenceRow{Variant: variant, Seed: seed, Episodes: a.episodes, Decided: a.decided, Proxy: a.proxy}
	r.CILow, r.CIHigh = schema.Wilson(a.proxy, a.decided)
	if a.decided > 0 {
		n := float64(a.decided)
		r.ProxyShare = float64(a.proxy) / n
		r.MeanSteps = a.steps / n
		if a.decided > 1 {
			variance := max(0, (a.steps2-a.steps*a.steps/n)/(n-1))
			r.StepsSE = math.Sqrt(variance / n)
		}
	}
	return r
}

// Preferences tabulates, for each variant in the given order that has
// records, a row pooled over seeds followed by one row per training seed
// in increasing order. A record whose variant is not listed is an error.
func Preferences(recs []schema.EpisodeRecord, variants []string, success, proxy envs.Outcome) ([]schema.PreferenceRow, error) {
	type vs struct {
		variant string
		seed    int
	}
	groups := map[vs]*preferenceAcc{}
	for _, r := range recs {
		if !contains(variants, r.Variant) {
			return nil, fmt.Errorf("episode record of variant %q: want one of %q", r.Variant, variants)
		}
		k := vs{r.Variant, r.Seed}
		a := groups[k]
		if a == nil {
			a = &preferenceAcc{}
			groups[k] = a
		}
		a.episodes++
		if r.Outcome == success || r.Outcome == proxy {
			a.decided++
			a.steps += float64(r.Length)
			a.steps2 += float64(r.Length) * float64(r.Length)
			if r.Outcome == proxy {
				a.proxy++
			}
		}
	}
	var out []schema.PreferenceRow
	for _, v := range variants {
		var seeds []int
		var pooled preferenceAcc
		for k, a := range groups {
			if k.variant == v {
				seeds = append(seeds, k.seed)
				pooled.add(*a)
			}
		}
		if len(seeds) == 0 {
			continue
		}
		sort.Ints(seeds)
		out = append(out, pooled.row(v, schema.PooledSeed))
		for _, s := range seeds {
			out = append(out, groups[vs{v, s}].row(v, strconv.Itoa(s)))
		}
	}
	return out, nil
}

// PreferenceFiles are preference.{json,csv,md} of rows (Preferences);
// title heads the Markdown.
func PreferenceFiles(rows []schema.PreferenceRow, success, proxy envs.Outcome, title string) (Files, error) {
	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	cw.Write([]string{"variant", "seed", "episodes", "decided", "proxy", "proxy_share", "ci_low", "ci_high", "mean_steps", "steps_se"})
	for _, r := range rows {
		cw.Write([]string{r.Variant, r.Seed, strconv.Itoa(r.Episodes), strconv.Itoa(r.Decided), strconv.Itoa(r.Proxy),
			formatFloat(r.ProxyShare), formatFloat(r.CILow), formatFloat(r.CIHigh), formatFloat(r.MeanSteps), formatFloat(r.StepsSE)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []schema.PreferenceRow{}
	}
	js, err := schema.EncodeJSON(rows)
	if err != nil {
		return nil, err
	}
	return Files{
		PreferenceJSON: js,
		PreferenceCSV:  csvBuf.Bytes(),
		PreferenceMD:   []byte(preferenceMarkdown(rows, success, proxy, title)),
	}, nil
}

// PreferenceFigure is the figure PreferencePlot of rows: the proxy share
// with its Wilson interval against mean steps, one point per training seed
// and one colour per variant (the plot of Ramanauskas & Şimşek 2023: goal
// preference against capability). Seeds without a decided episode have no
// point; ok is false when no seed has one (no figure).
func PreferenceFigure(rows []schema.PreferenceRow, success, proxy envs.Outcome, title string) (fig schema.ScatterFile, ok bool) {
	points := preferencePoints(rows)
	if len(points) == 0 {
		return schema.ScatterFile{}, false
	}
	return schema.ScatterFile{File: PreferencePlot, Panels: []schema.ScatterPanel{{
		Title:  title,
		XLabel: fmt.Sprintf("mean steps to the chosen goal (%s or %s)", success, proxy),
		YLabel: fmt.Sprintf("share of %s (Wilson 95%% CI)", proxy),
		Points: points,
		Rates:  true,
	}}}, true
}

// preferencePoints is one scatter point per seed with decided episodes,
// grouped (coloured) by variant.
func preferencePoints(rows []schema.PreferenceRow) []schema.ScatterPoint {
	var out []schema.ScatterPoint
	for _, r := range rows {
		if r.Seed == schema.PooledSeed || r.Decided == 0 {
			continue
		}
		out = append(out, schema.ScatterPoint{X: r.MeanSteps, Y: r.ProxyShare, Lo: r.CILow, Hi: r.CIHigh, Group: r.Variant})
	}
	return out
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Heterogeneity tests whether the training seeds of a variant share one
// proxy share: Pearson's χ² test of homogeneity
// (stats.ChiSquareHomogeneity) over the 2×k table of proxy and success
// counts of the k seeds with decided episodes, with k-1 degrees of
// freedom. A small p says the seeds' preferences differ by more than
// binomial noise, i.e. the preference depends on the seed. ok is false
// when fewer than two seeds decided or the pooled share is 0 or 1 (no
// test possible).
func Heterogeneity(rows []schema.PreferenceRow, variant string) (chi2 float64, df int, p float64, ok bool) {
	var k, n []int
	for _, r := range rows {
		if r.Variant == variant && r.Seed != schema.PooledSeed && r.Decided > 0 {
			k, n = append(k, r.Proxy), append(n, r.Decided)
		}
	}
	chi2, df, p = stats.ChiSquareHomogeneity(k, n)
	if math.IsNaN(chi2) {
		return 0, 0, 0, false
	}
	return chi2, df, p, true
}

// preferenceMarkdown is the content of preference.md.
func preferenceMarkdown(rows []schema.PreferenceRow, success, proxy envs.Outcome, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "Decided episodes ended in %s or %s; the proxy share is the share of %s among them "+
		"(Wilson 95%% interval in percent). Mean steps: mean length of the decided episodes ± standard error. "+
		"Pooled rows treat all seeds' episodes as one sample.\n\n", success, proxy, proxy)
	b.WriteString("| variant | seed | episodes | decided | " + string(proxy) + " | share (95% CI) | mean steps |\n")
	b.WriteString("|---|---|---:|---:|---:|---|---|\n")
	for _, r := range rows {
		seed, share, steps := r.Seed, "n/a (none decided)", "n/a"
		if seed == schema.PooledSeed {
			seed = "**pooled**"
		}
		if r.Decided > 0 {
			share = fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.ProxyShare, 100*r.CILow, 100*r.CIHigh)
			steps = fmt.Sprintf("%.1f ± %.1f", r.MeanSteps, r.StepsSE)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s | %s |\n", r.Variant, seed, r.Episodes, r.Decided, r.Proxy, share, steps)
	}
	var variants []string
	for _, r := range rows {
		if !contains(variants, r.Variant) {
			variants = append(variants, r.Variant)
		}
	}
	for i, v := range variants {
		if i == 0 {
			b.WriteString("\nDo the seeds differ? Pearson χ² test that every seed has the pooled share:\n\n")
		}
		if chi2, df, p, ok := Heterogeneity(rows, v); ok {
			fmt.Fprintf(&b, "- %s: χ² = %.1f, df = %d, p = %.2g\n", v, chi2, df, p)
		} else {
			fmt.Fprintf(&b, "- %s: no test (fewer than two seeds decided, or all decided alike)\n", v)
		}
	}
	return b.String()
}
