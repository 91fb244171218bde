// Package report writes a run directory's audit report: one self-contained
// HTML page (report.html) that a researcher can send to a colleague. It
// shows what was trained (resolved config, seeds, machine, versions, stage
// times), how it learned (learning curves), how it behaved in and out of
// distribution (the failure-rate table with Wilson intervals, a bar chart,
// animated GIFs of a typical in-distribution success and a typical OOD
// failure) and what the internals showed (every interpretability output in
// interp/), and closes with an audit summary that contrasts what episodes
// alone establish with what white-box access added. Every sentence of the
// summary is computed from the run's own files and names the file its
// numbers come from.
//
// The page loads nothing: images and GIFs are data: URIs, the CSS is
// inline, there is no script, and a Content-Security-Policy forbids any
// other source, so it renders the same offline and in an e-mail archive.
//
// # Inputs
//
// The report reads the run directory laid out by schema.RunLayout, the
// names package experiments writes through (Files wraps it). Missing inputs are not errors — each section says what
// is missing, e.g. when interp is disabled or no replays were saved — but a
// file that exists and cannot be parsed is an error naming the file.
//
//   - resolved.toml: experiment name, description, game, profile, seeds.
//   - manifest.json (or manifest.shard-*.json): versions, machine, times.
//   - logs/*.jsonl: per-seed training logs, one JSON object per PPO update
//     with at least global_step and, when episodes finished,
//     episodic_return and success_rate.
//   - tables/failure_rates.json: the failure-rate rows, shown with the
//     same numbers as `experiments table`.
//   - plots/*.png: learning curves and failure bars (drawn from the logs
//     and the table when absent).
//   - replays/*: replay files (package viz/replay).
//   - interp/summary.json: the interp stage's summary
//     (schema.InterpSummary), the one source of the audit summary's
//     white-box findings: goal- and proxy-specific latents, paired
//     interventions on the test levels, the SAE sweep and its MDL choice,
//     bilinear spectra and polytope codes.
//   - interp/*.md, *.png, other *.json: shown under Internals as
//     documents, figures and tables, grouped by analysis. A Markdown file
//     is shown as the document summary.json builds for it
//     (schema.InterpSummary.Documents), not parsed.
//   - audit/predictions.json: the run's seeds judged by a population's
//     calibration (audit.Predictions, written when [audit] calibration is
//     set). The page opens with it: each seed's prediction line and its
//     one-sentence explanation, the population, the calibration's path and
//     its statistics hash; the explanations also lead the white-box
//     findings.
//   - audit/audit.json: a population audit (audit.Result): its headlines,
//     research-goal sentence, statistics hash and the access levels
//     (black-box, white-box, outside-the-box) side by side, with each
//     level's scatter plot.
//   - audit/vector_field_*.png, audit/circumvention.json: shown with the
//     verdict.
//
// Without either audit file the page opens with the OOD failure-rate
// headline, and says lower down how to get an audit. The summary calls an
// OOD failure one of goal rather than of capability only where every seed
// has a hidden-goal control (measured chance-corrected pursuit,
// ood_pursuit_cc) whose interval lies above 0.
package report
