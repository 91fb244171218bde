package envs

// GoalEditor is implemented by games that can observe their current state
// with the true goal edited, for paired counterfactual observations: the
// policy's response to the same state with the goal hidden or elsewhere.
// The state itself is never changed.
type GoalEditor interface {
	// ObserveWithoutGoal writes the observation of the current state with
	// the true goal left out.
	ObserveWithoutGoal(dst []float32)
	// ObserveGoalAt writes the observation of the current state with the
	// goal drawn at tile at instead of where it is. It reports false, and
	// leaves dst unspecified, when at is not a tile the goal could occupy
	// (outside the level, or solid).
	ObserveGoalAt(dst []float32, at Point) bool
}

// GoalOverride is how a game draws the goal in its next observation: as
// it is (the zero value), hidden, or at another tile. Games keep one and
// reset it after the edited observation.
type GoalOverride struct {
	Hide  bool
	Moved bool
	At    Point
}
