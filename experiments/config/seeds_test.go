package config

import (
	"reflect"
	"testing"
)

// TestParseSeedList: eval's --seeds selects seeds, so a single number is a
// seed (0 is seed 0), never a count.
func TestParseSeedList(t *testing.T) {
	for i, tc := range []struct {
		in   string
		want Seeds
		ok   bool
	}{
		{"0", Seeds{0}, true},
		{"3", Seeds{3}, true},
		{"0,2", Seeds{0, 2}, true},
		{" 5 , 1 ", Seeds{5, 1}, true},
		{"7,", Seeds{7}, true},
		{"-1", nil, false},
		{"1,1", nil, false},
		{"a", nil, false},
		{",", nil, false},
		{"", nil, false},
	} {
		got, err := ParseSeedList(tc.in)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("case %d: ParseSeedList(%q) = %v, %v", i, tc.in, got, err)
		}
	}
}
