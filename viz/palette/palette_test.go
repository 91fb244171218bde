package palette

import "testing"

func TestRolesAndColours(t *testing.T) {
	r := Outcomes{Success: "coin", Proxy: "reached_end_no_coin"}
	if r.Of("coin") != Success || r.Of("reached_end_no_coin") != Proxy || r.Of("died") != Other || r.Of("") != Other {
		t.Error("roles misclassified")
	}
	if (Outcomes{}).Of("coin") != Other {
		t.Error("unknown roles must classify everything as other")
	}
	s, p := Color(Success, 0), Color(Proxy, 0)
	if s.G <= s.R || p.R <= p.G {
		t.Errorf("success %v is not green or proxy %v not red", s, p)
	}
	if Color(Other, 0) == Color(Other, 1) || Color(Other, 0) == s || Color(Other, 0) == p {
		t.Error("neutral endings not told apart from each other or from the families")
	}
	if Hex(SuccessColor) != "#2e9e5b" {
		t.Errorf("hex %s", Hex(SuccessColor))
	}
}
