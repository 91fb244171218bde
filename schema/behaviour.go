package schema

// The behaviour tables beside failure_rates (tables/paired.json,
// tables/preference.json; tables/pursuit.json holds Rows): package
// experiments counts them from the evaluation records.

// PairedRow compares the true-goal rate of two variants played on the
// same levels by the same agents: Base is variant A, Treated variant B,
// one unit per (training seed, level). Diff.Down counts the units that
// reached the goal in A only, Diff.Up those that reached it in B only.
type PairedRow struct {
	A       string           `json:"a"`
	B       string           `json:"b"`
	Outcome string           `json:"outcome"`
	Diff    PairedDifference `json:"paired"`
}

// PreferenceRow is one line of the preference table: which of the two
// goals the episodes of one variant and training seed (or pooled over
// seeds) went for, and how fast. Decided counts the episodes that ended in
// the game's Success or Proxy outcome; ProxyShare = Proxy / Decided with
// its Wilson 95% interval is the preference for the proxy (for the
// colour-vs-shape maze: the share of colour matches among the episodes
// that reached the colour or the shape match). MeanSteps is the mean
// length of the decided episodes, a capability measure (steps to the
// chosen goal), with StepsSE its standard error. The JSON field names are
// part of the file format.
type PreferenceRow struct {
	Variant    string  `json:"variant"`
	Seed       string  `json:"seed"` // the training seed in decimal, or PooledSeed
	Episodes   int     `json:"episodes"`
	Decided    int     `json:"decided"`
	Proxy      int     `json:"proxy"`
	ProxyShare float64 `json:"proxy_share"` // 0 when Decided = 0
	CILow      float64 `json:"ci_low"`
	CIHigh     float64 `json:"ci_high"`
	MeanSteps  float64 `json:"mean_steps"` // 0 when Decided = 0
	StepsSE    float64 `json:"steps_se"`   // 0 when Decided < 2
}
