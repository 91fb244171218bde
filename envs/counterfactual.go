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

// TileMap is implemented by grid games that can describe their current
// level's open tiles and where a level tile appears in the current
// observation, for tests that act on a chosen tile (the interp stage's
// retargeting test). It never changes the state.
type TileMap interface {
	// OpenTiles returns the tiles of the current level the agent can
	// stand on, row by row from y = 0 and x = 0 up.
	OpenTiles() []Point
	// ViewCell returns the cell of the observation window (row 0 the top
	// row, column 0 the leftmost) that shows level tile p in the current
	// state, and false when p is out of view.
	ViewCell(p Point) (row, col int, ok bool)
}
