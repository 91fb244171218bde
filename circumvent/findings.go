package circumvent

import (
	"math"
	"slices"
)

// relTol is the smallest relative change of a statistic counted as a
// change (float rounding through a reparametrised network stays far
// below it).
const relTol = 1e-4

// Finding is one statistic's fate in a stress test.
type Finding struct {
	Statistic string `json:"statistic"`
	WhiteBox  bool   `json:"white_box"`
	// ChangedBy are the controls that changed the statistic by more than
	// its seed noise (and relTol): it measures the parametrisation.
	ChangedBy []string `json:"changed_by_controls"`
	// MovedBy are the behaviour-preserving attacks that changed it by more
	// than its seed noise (and relTol).
	MovedBy []string `json:"moved_by_attacks"`
	// DefeatedBy are the behaviour-preserving attacks after which the OOD
	// proxy rate predicted from this statistic (population calibration)
	// fell below the lower end of the original's prediction interval.
	DefeatedBy []string `json:"defeated_by"`
	// Targeted says whether some attack aimed at the statistic.
	Targeted bool `json:"targeted"`
	// Status: "defeated", "survived" (no behaviour-preserving attack
	// defeated it although some were run), or "no calibration" (nothing to
	// defeat: no population prediction).
	Status string `json:"status"`
}

// changed reports whether b differs from a beyond noise and rounding.
func changed(a, b, noise float64) bool {
	if math.IsNaN(a) != math.IsNaN(b) {
		return true
	}
	if math.IsNaN(a) {
		return false
	}
	return math.Abs(b-a) > math.Max(noise, relTol*math.Max(1, math.Abs(a)))
}

// Findings classifies every statistic of r.
func (r *StressResult) Findings() []Finding {
	orig := r.Columns[0]
	var out []Finding
	for _, st := range r.Statistics {
		f := Finding{Statistic: st.Name, WhiteBox: st.WhiteBox, Status: "no calibration"}
		before := float64(orig.Values[st.Name])
		noise := float64(r.Noise[st.Name])
		pb, calibrated := orig.Predictions[st.Name]
		if calibrated {
			f.Status = "survived"
		}
		for _, c := range r.Columns[1:] {
			after := float64(c.Values[st.Name])
			switch {
			case c.Kind == Passive && changed(before, after, noise):
				f.ChangedBy = append(f.ChangedBy, c.Name)
			}
			if c.Kind == Active && slices.Contains(c.Targets, st.Name) {
				f.Targeted = true
			}
			switch {
			case c.Kind == Active && c.Unchanged != nil && *c.Unchanged:
				if changed(before, after, noise) {
					f.MovedBy = append(f.MovedBy, c.Name)
				}
				if pa, ok := c.Predictions[st.Name]; ok && calibrated && pa.Value < pb.Lo {
					f.DefeatedBy = append(f.DefeatedBy, c.Name)
					f.Status = "defeated"
				}
			}
		}
		out = append(out, f)
	}
	return out
}
