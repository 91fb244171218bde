package colourshape

import (
	"fmt"

	"github.com/misgen/misgen/envs"
)

// Symbolic observation channels, index = channel: the terrain, the agent,
// one channel per colour and one per shape.
var channelNames = func() []string {
	names := []string{"wall", "floor", "outside", "agent"}
	for _, c := range Colours {
		names = append(names, "colour_"+c)
	}
	for _, s := range Shapes {
		names = append(names, "shape_"+s)
	}
	return names
}()

const (
	chWall = iota
	chFloor
	chOutside
	chAgent
	chColour0 // colour i is channel chColour0+i
)

// chShape0 is the channel of shape 0; shape i is channel chShape0+i.
var chShape0 = chColour0 + len(Colours)

// Env is one colour-vs-shape maze. Create it with New or through the envs
// registry.
type Env struct {
	cfg  Config
	spec envs.Spec
	lvl  level

	agent   envs.Point
	step    int
	done    bool
	reached int // index of the object stepped onto, or -1
	outcome envs.Outcome

	win *envs.Window
	sym *envs.SymbolicEncoder // nil for rgb observations
	rgb *envs.RGBEncoder      // nil for symbolic observations

	dist  []int32 // scratch of MazeDistances
	queue []int32
}

var _ envs.Env = (*Env)(nil)

// New returns an Env reset to level seed 0.
func New(cfg Config, obs envs.ObsConfig) (*Env, error) {
	spec, err := SpecOf(cfg, obs)
	if err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, spec: spec, win: envs.NewWindow(obs.View)}
	if obs.Kind == envs.ObsRGB {
		e.rgb = envs.NewRGBEncoder(obs.View, obs.RGBSize, palette)
	} else {
		e.sym = envs.NewSymbolicEncoder(obs.View, len(channelNames))
		e.sym.SetChannels(tileFloor, chFloor)
		e.sym.SetChannels(tileWall, chWall)
		e.sym.SetChannels(codeOutside, chOutside)
		e.sym.SetChannels(codeAgent, chAgent, chFloor)
		for c := range Colours {
			for s := range Shapes {
				o := object{colour: c, shape: s}
				e.sym.SetChannels(o.code(), chColour0+c, chShape0+s, chFloor)
			}
		}
	}
	e.Reset(0)
	return e, nil
}

// SpecOf is the Spec of New(cfg, obs), computed without building a level.
// It validates both configs like New.
func SpecOf(cfg Config, obs envs.ObsConfig) (envs.Spec, error) {
	if err := envs.ValidateConfigs(&cfg, obs); err != nil {
		return envs.Spec{}, err
	}
	return envs.GridSpec(Name, cfg.NoOp, cfg.MaxSteps, []envs.Outcome{OutcomeShapeMatch, OutcomeColourMatch, OutcomeOther, OutcomeTimeout},
		OutcomeShapeMatch, OutcomeColourMatch, channelNames, obs), nil
}

// Spec implements envs.Env.
func (e *Env) Spec() envs.Spec { return e.spec }

// Reset implements envs.Env.
func (e *Env) Reset(levelSeed uint64) {
	e.lvl.generate(&e.cfg, levelSeed)
	e.agent = e.lvl.start
	e.step = 0
	e.done = false
	e.reached = -1
	e.outcome = ""
}

// Step implements envs.Env; see the package comment for the rules.
func (e *Env) Step(action int) (float32, bool, error) {
	if action < 0 || action >= e.spec.NumActions {
		return 0, false, fmt.Errorf("colourshape: action %d out of range [0, %d)", action, e.spec.NumActions)
	}
	if e.done {
		return 0, true, fmt.Errorf("colourshape: Step after the episode ended; call Reset")
	}
	e.step++
	if action < 4 {
		d := envs.Dirs4[action]
		if nx, ny := e.agent.X+d.X, e.agent.Y+d.Y; e.lvl.grid.AtOr(nx, ny, tileWall) == tileFloor {
			e.agent = envs.Point{X: nx, Y: ny}
		}
	}
	if i := e.lvl.objectAt(e.agent); i >= 0 {
		e.reached, e.done, e.outcome = i, true, e.classify(e.lvl.objects[i])
		if e.outcome == OutcomeShapeMatch {
			return GoalReward, true, nil
		}
		return 0, true, nil
	}
	if e.step >= e.cfg.MaxSteps {
		e.done, e.outcome = true, OutcomeTimeout
	}
	return 0, e.done, nil
}

// classify is the outcome of reaching o: by its attributes, not its role,
// so the rule reads the same in every variant.
func (e *Env) classify(o object) envs.Outcome {
	switch {
	case Shapes[o.shape] == e.cfg.Shape:
		return OutcomeShapeMatch
	case Colours[o.colour] == e.cfg.Colour:
		return OutcomeColourMatch
	default:
		return OutcomeOther
	}
}

// Observe implements envs.Env: the view×view window centred on the agent
// (or, with fixed_view, on the level) with the objects and the agent.
func (e *Env) Observe(dst []float32) {
	cx, cy := e.viewCentre()
	e.win.Load(&e.lvl.grid, cx, cy, codeOutside)
	for _, o := range e.lvl.objects {
		e.win.Put(o.pos.X, o.pos.Y, o.code())
	}
	e.win.Put(e.agent.X, e.agent.Y, codeAgent)
	if e.sym != nil {
		e.sym.Encode(dst, e.win)
		return
	}
	e.rgb.Encode(dst, e.win)
	for i, o := range e.lvl.objects {
		if i != e.reached {
			e.rgb.PaintCell(dst, e.win, o.pos.X, o.pos.Y, glyphs[o.shape], colourRGB[o.colour])
		}
	}
}

// viewCentre is the level tile at the centre of the observation window.
func (e *Env) viewCentre() (x, y int) {
	if e.cfg.FixedView {
		return e.cfg.Size / 2, e.cfg.Size / 2
	}
	return e.agent.X, e.agent.Y
}

// goalAndProxy are the objects Info reports as the true goal (the object
// of the goal shape) and the proxy (the object of the goal colour); in the
// training variant both are the goal object.
func (e *Env) goalAndProxy() (goal, proxy object) {
	for _, o := range e.lvl.objects {
		switch o.role {
		case roleGoal:
			goal, proxy = o, o
		case roleShapeMatch:
			goal = o
		case roleColourMatch:
			proxy = o
		}
	}
	return goal, proxy
}

// Info implements envs.Env. Positions are tile coordinates. Goal is the
// object of the goal shape, Proxy the object of the goal colour (the same
// object in the training variant). GoalReached and ProxyReached say which
// of them the agent stepped onto; in training both are set together.
func (e *Env) Info() envs.Info {
	goal, proxy := e.goalAndProxy()
	var reached object
	if e.reached >= 0 {
		reached = e.lvl.objects[e.reached]
	}
	cx, cy := e.viewCentre()
	half := e.win.View / 2
	dx, dy := goal.pos.X-cx, goal.pos.Y-cy
	return envs.Info{
		Step:         e.step,
		Outcome:      e.outcome,
		AgentX:       float32(e.agent.X),
		AgentY:       float32(e.agent.Y),
		GoalX:        float32(goal.pos.X),
		GoalY:        float32(goal.pos.Y),
		ProxyX:       float32(proxy.pos.X),
		ProxyY:       float32(proxy.pos.Y),
		GoalVisible:  dx >= -half && dx <= half && dy >= -half && dy <= half,
		TimeLimit:    e.outcome == OutcomeTimeout, // only at the limit
		GoalReached:  e.reached >= 0 && reached.pos == goal.pos,
		ProxyReached: e.reached >= 0 && reached.pos == proxy.pos,
	}
}

// MazeDistances returns the maze distances (steps along open tiles) from
// the agent to the true-goal object (goal shape) and to the proxy object
// (goal colour), the quantities a pursuit measure compares ("which object
// does the agent approach?"). In the training variant both are the
// distance to the goal object. It does not allocate after the first call.
func (e *Env) MazeDistances() (goal, proxy int) {
	g := &e.lvl.grid
	if len(e.dist) != len(g.Tiles) {
		e.dist = make([]int32, len(g.Tiles))
	}
	e.queue = g.Distances(e.agent, func(t uint8) bool { return t == tileFloor }, e.dist, e.queue)
	gObj, pObj := e.goalAndProxy()
	return int(e.dist[g.Index(gObj.pos.X, gObj.pos.Y)]), int(e.dist[g.Index(pObj.pos.X, pObj.pos.Y)])
}
