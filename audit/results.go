package audit

import "github.com/misgen/misgen/schema"

// The audit's result types live in package schema, the one home of
// misgen's result formats; these names are the same types.
type (
	Interval        = schema.Interval
	Prediction      = schema.Prediction
	Rate            = schema.Rate
	Measured        = schema.Measured
	NestedChoice    = schema.NestedChoice
	Validation      = schema.Validation
	StatRow         = schema.AuditStatRow
	AgentRow        = schema.AuditAgentRow
	Verdict         = schema.AuditVerdict
	FamilySummary   = schema.FamilySummary
	Comparison      = schema.AuditComparison
	Equivalence     = schema.AuditEquivalence
	Result          = schema.AuditResult
	Predictions     = schema.AuditPredictions
	AgentPrediction = schema.AgentPrediction
	LevelPrediction = schema.LevelPrediction
	Target          = schema.Target
	Level           = schema.Level
	Access          = schema.Access
	Scale           = schema.Scale
)

// Targets (schema.TargetChancePursuit etc.).
const (
	TargetChancePursuit = schema.TargetChancePursuit
	TargetGoalShare     = schema.TargetGoalShare
	TargetProxy         = schema.TargetProxy
)

// Access levels (schema.LevelBlackBox etc.).
const (
	LevelBlackBox = schema.LevelBlackBox
	LevelWhiteBox = schema.LevelWhiteBox
	LevelOutside  = schema.LevelOutside
)

// Levels lists the access levels in report order (schema.AuditLevels).
var Levels = schema.AuditLevels

// Calibration scales (schema.Linear, schema.Log10).
const (
	Linear = schema.Linear
	Log10  = schema.Log10
)
