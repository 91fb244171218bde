package circumvent

import (
	"math"
	"slices"
)

// relTol is the smallest relative change of a statistic counted as a
// change (float rounding through a reparametrised network stays far
// below it).
const relTol = 1e-4

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

// Findings classifies every statistic of r, one verdict each (see
// schema.CircumventionFinding.Status).
func Findings(r *StressResult) []Finding {
	orig := r.Columns[0]
	var out []Finding
	for _, st := range r.Statistics {
		f := Finding{Statistic: st.Name, Level: st.Level, Status: "no calibration"}
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
				pa, ok := c.Predictions[st.Name]
				switch {
				case !ok || !calibrated:
				case pa.Value < pb.Lo:
					f.DefeatedBy = append(f.DefeatedBy, c.Name)
					f.Status = "defeated"
				case pb.Better < 0.5 && pa.Better >= 0.5:
					f.OutrankedBy = append(f.OutrankedBy, c.Name)
					if f.Status != "defeated" {
						f.Status = "outranked"
					}
				}
			}
		}
		f.Status = f.Verdict() // a control's change overrides what the attacks did
		out = append(out, f)
	}
	return out
}
