package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// InterpSummaryJSON is the interp stage's summary file inside a run's
// interp/ directory.
const InterpSummaryJSON = "summary.json"

// InterpSummary is interp/summary.json: what the white-box analyses of one
// trained policy found. Every figure in it was chosen on the selection
// levels and, where it is a causal test, measured on the disjoint test
// levels.
type InterpSummary struct {
	Seed   int            `json:"seed"` // training seed of the analysed policy
	Levels LevelSplit     `json:"levels"`
	Layers []LayerSummary `json:"layers"`
	// Interventions and Retarget are paired tests on the test levels, with
	// Holm-adjusted p-values over all of them together.
	Interventions []Intervention     `json:"interventions,omitempty"`
	Retarget      []Retarget         `json:"retarget,omitempty"`
	Bilinear      []BilinearSpectrum `json:"bilinear,omitempty"`
	Polytope      *Polytope          `json:"polytope,omitempty"`
	Notes         []string           `json:"notes,omitempty"`
}

// LevelSplit names the two disjoint ranges of held-out levels the stage
// used, each [First, End): SAEs, features, vectors and probes are chosen on
// Selection, interventions are tested on Test.
type LevelSplit struct {
	Selection [2]uint64 `json:"selection"`
	Test      [2]uint64 `json:"test"`
}

// LayerSummary is one analysed site: a layer read flat ("fc") or per
// spatial position ("stage1/pos").
type LayerSummary struct {
	Site string    `json:"site"`
	Rows RowCounts `json:"rows"`
	// SAEs is the sweep: every dictionary size × sparsity, local and
	// end-to-end, scored on held-out episodes.
	SAEs []SAEResult `json:"saes"`
	// Chosen names the SAE with the smallest description length within the
	// KL tolerance; ChosenNote says why when none qualified.
	Chosen     string `json:"chosen"`
	ChosenNote string `json:"chosen_note,omitempty"`
	// Goal and Proxy are the chosen SAE's latents most specific to the true
	// goal and to the proxy, disjoint by construction; FeatureNote says so
	// plainly when a list is empty.
	Goal        []Feature `json:"goal_features"`
	Proxy       []Feature `json:"proxy_features"`
	FeatureNote string    `json:"feature_note,omitempty"`
}

// RowCounts are the rows behind a layer's figures. SAEs train on Train rows
// and are scored on Held rows, split by whole episodes; concepts are scored
// on Apart rows, the steps where the true goal and the proxy are in
// different places.
type RowCounts struct {
	Train         int `json:"train"`
	TrainEpisodes int `json:"train_episodes"`
	Held          int `json:"held"`
	HeldEpisodes  int `json:"held_episodes"`
	Apart         int `json:"apart"`
}

// SAEResult is one trained dictionary with its metrics on held-out rows.
type SAEResult struct {
	Name     string  `json:"name"`     // e.g. "local-64-k8"
	Training string  `json:"training"` // "local" (reconstruction) or "e2e" (KL through the policy)
	Kind     string  `json:"kind"`     // "topk" or "relu_l1"
	Latents  int     `json:"latents"`
	K        int     `json:"k,omitempty"`  // TopK sparsity
	L1       float64 `json:"l1,omitempty"` // ReLU+L1 coefficient (tuned to hit a target L0)
	TargetL0 float64 `json:"target_l0"`
	L0       float64 `json:"l0"`
	MSE      float64 `json:"mse"`
	FVU      float64 `json:"fvu"`
	// KL is the policy's downstream KL(original ‖ SAE spliced in), nats.
	KL           float64   `json:"kl"`
	Alive        int       `json:"alive"`
	DeadFraction float64   `json:"dead_fraction"`
	MDL          MDLResult `json:"mdl"`
}

// MDLResult is one SAE's description length (Ayonrinde et al.): the mean
// bits per activation that name its active latents plus their values at the
// coarsest precision whose downstream KL stays within the tolerance.
type MDLResult struct {
	L0 float64 `json:"l0"`
	// KL is the downstream KL with the unquantised SAE spliced in.
	KL float64 `json:"kl"`
	// Bits is the coarsest precision per value whose KL (KLAtBits) is
	// within the tolerance; 0 when no precision up to the maximum is.
	Bits     int     `json:"bits_per_value"`
	KLAtBits float64 `json:"kl_at_bits"`
	// IndexBits + ValueBits = DL, in bits per activation:
	//   DL = IndexBits(coding) + L0 · Bits
	IndexBits float64 `json:"index_bits"`
	ValueBits float64 `json:"value_bits"`
	// DL is +Inf when the SAE is infeasible (written as null, read back as
	// NaN: check Feasible).
	DL        Num     `json:"description_length_bits"`
	Feasible  bool    `json:"feasible"`
	Coding    string  `json:"coding"`
	Tolerance float64 `json:"kl_tolerance"`
}

// Feature is one latent's association with a concept.
type Feature struct {
	Latent  int    `json:"latent"`
	Concept string `json:"concept"`
	Role    string `json:"role"` // "goal" or "proxy"
	// R is the signed partial correlation of the latent with the concept
	// controlling for Control (the other role's matching concept): a latent
	// that fires more when the concept holds has R > 0.
	R       float64 `json:"r"`
	Control string  `json:"control,omitempty"`
	// AUC is the ROC AUC for a binary concept on the same rows (nil for a
	// continuous one); above ½ means the latent fires more when it holds.
	AUC *float64 `json:"auc,omitempty"`
	// P is the permutation p-value of the layer's strongest R for this
	// concept under circular shifts of the concept (see interp.ShiftNull).
	P     float64 `json:"p"`
	Image string  `json:"image,omitempty"` // top-activating observations, relative to interp/
}

// Intervention is a paired test of one edit of the policy's internals on
// the test levels: the same levels and action randomness with and without
// the edit.
type Intervention struct {
	Name    string  `json:"name"`
	Kind    string  `json:"kind"`   // "ablate", "clamp" or "steer"
	Vector  string  `json:"vector"` // what was steered along or edited, e.g. "goal vector (paired)", "probe goal_dx", "latent 12"
	Site    string  `json:"site"`
	Variant string  `json:"variant"`
	Scale   float64 `json:"scale"`
	// Failure is the proxy-outcome rate and Success the true-goal rate,
	// each as a paired difference treated − base.
	Failure PairedDifference `json:"failure"`
	Success PairedDifference `json:"success"`
	// PHolm is Failure.P adjusted over every test of the summary (the
	// interventions and the retargeting tests).
	PHolm float64 `json:"p_holm"`
}

// PairedDifference is the change in the rate of a binary outcome between
// two runs on the same units: Delta = Treated − Base, a paired-bootstrap
// 95% interval [Lo, Hi], the units whose outcome appeared (Up) and
// disappeared (Down), and the exact McNemar p-value.
type PairedDifference struct {
	N       int     `json:"n"`
	Base    float64 `json:"base"`
	Treated float64 `json:"treated"`
	Delta   float64 `json:"delta"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Up      int     `json:"up"`
	Down    int     `json:"down"`
	P       float64 `json:"p"`
}

// Retarget is procgen-tools' retargeting test at one conv site of a maze
// policy: the channels whose activation at the goal's spatial position
// rises most when the goal is shown rather than hidden (paired
// observations of the same selection-level states), and paired tests on
// the test levels of adding that rise, times a scale, at the position of a
// target tile chosen from the level layout alone.
type Retarget struct {
	Site string `json:"site"`
	// Grid is the site's spatial side [H, W]; a window cell maps to the
	// position whose receptive-field centre is nearest.
	Grid [2]int `json:"grid"`
	// Channels are the top channels by mean paired rise, chosen on Pairs
	// paired observations of Episodes selection episodes.
	Channels []ChannelEffect `json:"channels"`
	Pairs    int             `json:"pairs"`
	Episodes int             `json:"episodes"`
	// Control is the random channel (not the top one) that gets the same
	// edit as a control.
	Control int `json:"control"`
	// Target is the rule that picks the target tile of each level.
	Target  string `json:"target"`
	Variant string `json:"variant"`
	// InView is the share of the unedited policy's test steps whose
	// observation shows the target tile: the edit acts on those steps
	// only.
	InView float64        `json:"in_view"`
	Tests  []RetargetTest `json:"tests"`
}

// ChannelEffect is one channel's mean paired rise at the goal's position
// (goal shown − hidden) over selection episodes, with the standard error
// of that mean across episodes and the mean activation with the goal
// shown.
type ChannelEffect struct {
	Channel int     `json:"channel"`
	Rise    float64 `json:"rise"`
	SE      float64 `json:"se"`
	Shown   float64 `json:"shown"`
}

// RetargetTest is one paired test of a retargeting edit on the test
// levels against the unedited policy: Reached is whether the agent stood
// on the target tile during the episode, Success and Failure the true-goal
// and proxy outcomes.
type RetargetTest struct {
	// Kind is "channel" (the top channel edited), "control" (the random
	// channel, same value) or "observation" (the goal drawn at the target
	// instead of its tile, when the target is in view: the
	// observation-level retarget, no edit inside the policy).
	Kind    string           `json:"kind"`
	Channel int              `json:"channel"` // -1 for "observation"
	Scale   float64          `json:"scale"`
	Value   float64          `json:"value"` // added at the target's position
	Reached PairedDifference `json:"reached"`
	Success PairedDifference `json:"success"`
	Failure PairedDifference `json:"failure"`
	// PHolm is Reached.P adjusted over every test of the summary (the
	// interventions' failure tests and the retargeting tests).
	PHolm float64 `json:"p_holm"`
}

// BilinearSpectrum is the eigendecomposition of one action's logit form
// over [observation; 1] (interp.BilinearPolicy.LogitForm).
type BilinearSpectrum struct {
	Action      int       `json:"action"`
	Name        string    `json:"name"`
	Eigenvalues []float64 `json:"eigenvalues"` // by decreasing |λ|, top ones only
	CumAbs      []float64 `json:"cum_frac_abs"`
	// MaxError is the largest |form − forward pass| over the captured
	// observations: the check that the form is the policy's computation.
	MaxError float64 `json:"max_error"`
	Image    string  `json:"image"`
}

// Polytope compares the ReLU activation patterns (codes across every ReLU
// layer) of OOD steps with those of in-distribution steps, against the
// same comparison for held-out in-distribution episodes.
type Polytope struct {
	Layers []string `json:"layers"`
	Bits   int      `json:"bits"`
	// OOD and HeldID are nearest normalised Hamming distances to the
	// reference in-distribution patterns.
	OOD         NearestSummary `json:"ood"`
	HeldID      NearestSummary `json:"held_id"`
	DistinctID  int            `json:"distinct_id"`
	DistinctOOD int            `json:"distinct_ood"`
	// ChangeRate is the fraction of consecutive steps whose code changes.
	ChangeRateID  float64 `json:"change_rate_id"`
	ChangeRateOOD float64 `json:"change_rate_ood"`
}

// NearestSummary describes nearest-pattern distances.
type NearestSummary struct {
	Samples int     `json:"samples"`
	Exact   float64 `json:"exact"`  // fraction at distance 0 (a visited polytope)
	Mean    float64 `json:"mean"`   // mean normalised Hamming distance
	Median  float64 `json:"median"` // median normalised Hamming distance
	P90     float64 `json:"p90"`    // 90th percentile
}

// Num is a float64 that encodes NaN and ±Inf as JSON null (and decodes
// null as NaN), since JSON has neither: statistics missing for some agents,
// an infeasible description length.
type Num float64

// MarshalJSON implements json.Marshaler.
func (f Num) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Num(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Num(v)
	return nil
}

// ReadInterpSummary reads interp/summary.json strictly: unknown fields are
// errors, and so is a layer without a site.
func ReadInterpSummary(path string) (*InterpSummary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s InterpSummary
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, l := range s.Layers {
		if l.Site == "" {
			return nil, fmt.Errorf("%s: layers[%d]: empty site", path, i)
		}
	}
	return &s, nil
}
