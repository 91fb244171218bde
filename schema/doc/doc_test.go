package doc

import (
	"math"
	"testing"
)

func TestMarkdown(t *testing.T) {
	d := Doc{
		Heading{Level: 1, Text: "Title"},
		Paragraph{Text: "Text. "},
		Table{Header: []string{"a", "b"}, Rows: [][]string{{"1", G3(math.Inf(1))}, {"x", G3(0.123456)}}},
		Heading{Level: 2, Text: "Part"},
		Table{Header: []string{"c"}},
	}
	want := "# Title\n\nText. \n\n| a | b |\n| --- | --- |\n| 1 | +Inf |\n| x | 0.123 |\n\n## Part\n\n| c |\n| --- |\n"
	if got := d.Markdown(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := (Doc{}).Markdown(); got != "" {
		t.Errorf("empty document: %q", got)
	}
}

func TestMarkdownPanicsOnHeadingLevel(t *testing.T) {
	for _, level := range []int{0, 7} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("level %d: no panic", level)
				}
			}()
			_ = Doc{Heading{Level: level, Text: "x"}}.Markdown()
		}()
	}
}

func TestG3(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0.123456, "0.123"}, {1234.5, "1.23e+03"}, {2, "2"}, {math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"}} {
		if got := G3(c.v); got != c.want {
			t.Errorf("G3(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
