// Package tables counts evaluated episodes into misgen's behaviour tables:
// failure rates per outcome (CountOutcomes, merged across runs by
// MergeRows), goal pursuit (PursuitRows), variants compared level by level
// (PairedVariants), goal preference against capability (Preferences) and
// a sweep's rates against the swept value (SweepSeries), all with Wilson
// or paired-bootstrap intervals.
//
// Functions take episode records or rows and return schema rows, rendered
// files (Files: Markdown, CSV and JSON by name) and figure data (schema
// types); they read and write nothing. The pipeline (package experiments)
// calls them, writes the files into a run's tables/ directory and draws
// the figures. The package links neither libtorch nor viz.
package tables
