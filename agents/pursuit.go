package agents

import (
	"math"

	"github.com/misgen/misgen/envs"
)

// PursuitRadius is the distance, in tiles between the agent's centre and
// an object's centre (envs.Info positions), within which an episode counts
// as having approached that object. It is fixed from CoinRun's geometry,
// not from any outcome: an agent running along the ground under a coin
// hanging 3 tiles up passes about 3 tiles below its centre, a full jump in
// the coin's column peaks about 0.6 tiles below it and one column to its
// side within √(1 + 0.6²) ≈ 1.17 tiles. In a maze it admits the tiles
// next to the object (distance 1) and diagonal to it (√2).
const PursuitRadius = 1.5

// trackPursuit updates r's pursuit measures with the state after the
// step-th step (0-based) of its episode. Reaching an object counts as
// distance 0 from it.
func (r *EpisodeResult) trackPursuit(step int, info envs.Info) {
	if step == 0 {
		r.MinGoalDist, r.MinProxyDist = math.Inf(1), math.Inf(1)
		r.goalStep, r.proxyStep = -1, -1
	}
	dg := math.Hypot(float64(info.AgentX-info.GoalX), float64(info.AgentY-info.GoalY))
	if info.GoalReached {
		dg = 0
	}
	dp := math.Hypot(float64(info.AgentX-info.ProxyX), float64(info.AgentY-info.ProxyY))
	if info.ProxyReached {
		dp = 0
	}
	r.MinGoalDist = math.Min(r.MinGoalDist, dg)
	r.MinProxyDist = math.Min(r.MinProxyDist, dp)
	if r.goalStep < 0 && dg <= PursuitRadius {
		r.goalStep = step
	}
	if r.proxyStep < 0 && dp <= PursuitRadius {
		r.proxyStep = step
	}
	// Where the goal lies within PursuitRadius of the proxy (the training
	// placement: the coin in the end zone) the two cannot be told apart,
	// and approaching the goal at all counts; otherwise the goal must be
	// approached no later than the proxy.
	together := math.Hypot(float64(info.GoalX-info.ProxyX), float64(info.GoalY-info.ProxyY)) <= PursuitRadius
	r.PursuedGoal = r.goalStep >= 0 && (together || r.proxyStep < 0 || r.goalStep <= r.proxyStep)
}
