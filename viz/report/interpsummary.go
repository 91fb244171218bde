package report

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/misgen/misgen/schema"
)

// SummaryJSON is the interp stage's summary file (interp.StageSummary),
// the one interp file whose schema the audit summary reads; every other
// interp file is only displayed.
const SummaryJSON = "summary.json"

// The types below mirror the JSON that package interp writes to
// summary.json, with the same JSON field names (a test compares them with
// interp's source). The report does not import interp, which would pull
// libtorch into a package that only reads files.

// InterpSummary mirrors interp.StageSummary.
type InterpSummary struct {
	Layers        []InterpLayer      `json:"layers"`
	Bilinear      []BilinearSpectrum `json:"bilinear,omitempty"`
	Interventions []Intervention     `json:"interventions,omitempty"`
}

// InterpLayer mirrors interp.LayerSummary: one layer's SAEs, their
// local-vs-end-to-end comparison and MDL scores, the MDL-chosen SAE's
// strongest goal and proxy features, and the polytope statistics.
type InterpLayer struct {
	Layer       string              `json:"layer"`
	SAEs        []SAEMetrics        `json:"saes"`
	Comparisons []LocalVsE2E        `json:"local_vs_e2e,omitempty"`
	MDL         []MDLResult         `json:"mdl"`
	Chosen      string              `json:"chosen_sae"`
	TopGoal     []FeatureConcept    `json:"top_goal_features"`
	TopProxy    []FeatureConcept    `json:"top_proxy_features"`
	Polytope    *PolytopeComparison `json:"polytope,omitempty"`
}

// SAEMetrics mirrors interp.NamedMetrics (with interp.Metrics' fields
// inline, as encoding/json writes the embedded struct).
type SAEMetrics struct {
	Name         string       `json:"name"`
	Samples      int          `json:"samples"`
	L0           float64      `json:"l0"`
	MSE          float64      `json:"mse"`
	FVU          float64      `json:"fvu"`
	DeadFraction float64      `json:"dead_fraction"`
	Alive        int          `json:"alive"`
	DownstreamKL float64      `json:"downstream_kl"`
	Spliced      EpisodeStats `json:"spliced"`
}

// EpisodeStats mirrors interp.EpisodeStats: Successes reached the true
// goal, Proxy the proxy goal.
type EpisodeStats struct {
	Episodes   int     `json:"episodes"`
	Successes  int     `json:"successes"`
	Proxy      int     `json:"proxy"`
	MeanReturn float64 `json:"mean_return"`
}

// LocalVsE2E mirrors interp.Comparison: a local and an end-to-end SAE of
// the same size and sparsity.
type LocalVsE2E struct {
	Layer   string  `json:"layer"`
	Kind    string  `json:"kind"`
	Latents int     `json:"latents"`
	K       int     `json:"k,omitempty"`
	Local   SAESide `json:"local"`
	E2E     SAESide `json:"e2e"`
}

// SAESide mirrors interp.Side.
type SAESide struct {
	L0    float64 `json:"l0"`
	KL    float64 `json:"kl"`
	FVU   float64 `json:"fvu"`
	Alive int     `json:"alive"`
}

// MDLResult mirrors interp.MDLResult: an SAE's description length in bits
// per activation at the coarsest value precision within the KL tolerance.
type MDLResult struct {
	Name      string  `json:"name"`
	Latents   int     `json:"latents"`
	K         int     `json:"k,omitempty"`
	L0        float64 `json:"l0"`
	KL        float64 `json:"kl"`
	Bits      int     `json:"bits_per_value"`
	KLAtBits  float64 `json:"kl_at_bits"`
	IndexBits float64 `json:"index_bits"`
	ValueBits float64 `json:"value_bits"`
	DL        float64 `json:"description_length_bits"`
	Feasible  bool    `json:"feasible"`
	Coding    string  `json:"coding"`
	Tolerance float64 `json:"kl_tolerance"`
}

// FeatureConcept mirrors interp.FeatureConcept: one latent's association
// with a ground-truth concept. AUC is nil for continuous concepts.
type FeatureConcept struct {
	Latent   int      `json:"latent"`
	Concept  string   `json:"concept"`
	Role     string   `json:"role"`
	Pearson  float64  `json:"pearson"`
	AUC      *float64 `json:"auc"`
	Strength float64  `json:"strength"`
}

// PolytopeComparison mirrors interp.PolytopeComparison: A holds the
// in-distribution steps, B the OOD ones, BInA the fraction of B's steps
// whose sign code also occurs in A.
type PolytopeComparison struct {
	A    PolytopeStats `json:"A"`
	B    PolytopeStats `json:"B"`
	BInA float64       `json:"b_in_a"`
}

// PolytopeStats mirrors interp.PolytopeStats.
type PolytopeStats struct {
	Samples     int     `json:"samples"`
	Distinct    int     `json:"distinct_codes"`
	ChangeRate  float64 `json:"change_rate"`
	Transitions int     `json:"transitions"`
}

// BilinearSpectrum mirrors interp.BilinearSummary: the eigenvalues of one
// output direction's interaction matrix.
type BilinearSpectrum struct {
	Direction string   `json:"direction"`
	Spectrum  Spectrum `json:"spectrum"`
}

// Spectrum mirrors interp.Spectrum: eigenvalues by decreasing |λ| and the
// cumulative fractions of Σ|λ| and Σλ² they carry.
type Spectrum struct {
	Values []float64 `json:"eigenvalues"`
	CumAbs []float64 `json:"cum_frac_abs"`
	CumSq  []float64 `json:"cum_frac_sq"`
}

// Intervention mirrors interp.InterventionResult: rollouts of an OOD
// variant without (Base) and with (Treated) an edit of the policy's
// internals. Failure is the proxy-goal rate, Success the true-goal rate.
type Intervention struct {
	Name           string       `json:"name"`
	Variant        string       `json:"variant"`
	BaseFailure    Proportion   `json:"base_failure"`
	TreatedFailure Proportion   `json:"treated_failure"`
	BaseSuccess    Proportion   `json:"base_success"`
	TreatedSuccess Proportion   `json:"treated_success"`
	Base           EpisodeStats `json:"base"`
	Treated        EpisodeStats `json:"treated"`
	FailureChange  float64      `json:"failure_change"`
	SuccessChange  float64      `json:"success_change"`
}

// Proportion mirrors interp.Rate: K events in N episodes with the 95%
// (Wilson) interval [Lo, Hi].
type Proportion struct {
	K    int     `json:"k"`
	N    int     `json:"n"`
	Rate float64 `json:"rate"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// Percent renders p like Rate.Percent, with the counts: "15.0% [7.1,
// 29.1] (6/40)".
func (p Proportion) Percent() string {
	r := schema.Row{Episodes: p.N, Rate: p.Rate, CILow: p.Lo, CIHigh: p.Hi}.Percent()
	if p.N == 0 {
		return r
	}
	return fmt.Sprintf("%s (%d/%d)", r, p.K, p.N)
}

// Overlaps reports whether the intervals of p and q overlap.
func (p Proportion) Overlaps(q Proportion) bool { return p.Lo <= q.Hi && q.Lo <= p.Hi }

// decodeSummary decodes summary.json. A document without "layers" is not
// a stage summary and is an error; fields the report does not know are
// ignored, so a newer interp stage still gets a report.
func decodeSummary(data []byte) (*InterpSummary, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	if _, ok := probe["layers"]; !ok {
		return nil, fmt.Errorf("no \"layers\" key: not an interp stage summary")
	}
	var s InterpSummary
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, err
	}
	for i, l := range s.Layers {
		if l.Layer == "" {
			return nil, fmt.Errorf("layers[%d]: empty layer name", i)
		}
	}
	return &s, nil
}
