package circumvent

import "github.com/misgen/misgen/schema"

// The stress test's result types live in package schema, the one home of
// misgen's result formats; these names are the same types.
type (
	Setting      = schema.CircumventionSetting
	Finding      = schema.CircumventionFinding
	StressResult = schema.StressResult
	StatInfo     = schema.StatInfo
	Behaviour    = schema.Behaviour
	Prediction   = schema.CircumventionPrediction
	Column       = schema.CircumventionColumn
	Diff         = schema.OutputDiff
	Check        = schema.FineTuneCheck
	Kind         = schema.ColumnKind
	// Report is what circumvention.{md,json} hold.
	Report = schema.CircumventionReport
)

// The kinds of column (schema.ColumnOriginal etc.).
const (
	Original = schema.ColumnOriginal
	Passive  = schema.ColumnControl
	Active   = schema.ColumnAttack
)
