package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/misgen/misgen/schema/doc"
	"github.com/misgen/misgen/viz/palette"
)

func TestDocHTML(t *testing.T) {
	cases := []struct {
		d    doc.Doc
		want string
	}{
		0: {doc.Doc{doc.Heading{Level: 1, Text: "Title"}, doc.Paragraph{Text: " text with `code`,\n **bold** "}},
			"<h4>Title</h4><p>text with `code`, **bold**</p>"},
		1: {doc.Doc{doc.Table{Header: []string{"a", "share of Σ|λ|"}, Rows: [][]string{{"1", "<x>"}, {"", "it's"}}}},
			`<div class="scroll"><table class="data"><thead><tr><th>a</th><th>share of Σ|λ|</th></tr></thead><tbody><tr><td>1</td><td>&lt;x&gt;</td></tr><tr><td></td><td>it&#39;s</td></tr></tbody></table></div>`},
		2: {doc.Doc{doc.Heading{Level: 2, Text: "a & b"}, doc.Heading{Level: 4, Text: "deep"}}, "<h5>a &amp; b</h5><h6>deep</h6>"},
		3: {doc.Doc{doc.Paragraph{Text: "<script>alert(1)</script>"}}, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		4: {nil, ""},
	}
	for i, c := range cases {
		if got := string(docHTML(c.d)); got != c.want {
			t.Errorf("case %d: got\n%s\nwant\n%s", i, got, c.want)
		}
	}
	if got := string(sourceHTML("# a <b>\n")); got != "<pre># a &lt;b&gt;\n</pre>" {
		t.Errorf("source: %s", got)
	}
}

func TestJSONViewKeepsKeyOrderAndFlattens(t *testing.T) {
	v, err := decodeDocument(json.NewDecoder(strings.NewReader(`[{"z": 1, "a": {"y": 0.123456, "b": "s"}}, {"extra": true, "z": 2}]`)))
	if err != nil {
		t.Fatal(err)
	}
	got := string(jsonHTML(v))
	header := `<th class="num">z</th><th class="num">a.y</th><th>a.b</th><th>extra</th>`
	if !strings.Contains(got, header) {
		t.Errorf("header not in file order with nested columns:\n%s", got)
	}
	for _, want := range []string{"<td class=\"num\">0.1235</td>", "<td>s</td>", "<td>true</td>"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %s:\n%s", want, got)
		}
	}
}

func TestDecodeDocumentErrors(t *testing.T) {
	for i, src := range []string{``, `{"a": `, `[1, 2`, `{"a": 1} {"b": 2}`, `{"a" 1}`} {
		if _, err := decodeDocument(json.NewDecoder(strings.NewReader(src))); err == nil {
			t.Errorf("case %d: %q decoded without error", i, src)
		}
	}
}

func TestThousands(t *testing.T) {
	for i, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1\u2009000"}, {163840, "163\u2009840"}, {-1234567, "-1\u2009234\u2009567"}} {
		if got := thousands(c.n); got != c.want {
			t.Errorf("case %d: thousands(%d) = %q, want %q", i, c.n, got, c.want)
		}
	}
}

// The report colours the true goal and the proxy with the palette the
// plots and the viewer use.
func TestReportColoursFollowThePalette(t *testing.T) {
	for _, want := range []string{"--goal:" + palette.Hex(palette.SuccessColor), "--proxy:" + palette.Hex(palette.ProxyColor)} {
		if !strings.Contains(pageCSS, want) {
			t.Errorf("page.css lacks %q", want)
		}
	}
}
