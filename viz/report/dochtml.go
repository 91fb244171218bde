package report

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/misgen/misgen/schema/doc"
)

// docHTML renders a document for the page: headings three levels below
// their own (a document's title is an h4 under the report's h2 and h3,
// capped at h6), paragraphs with their line breaks and surrounding spaces
// folded into single spaces, and tables with a header row. All text is
// HTML-escaped, so no markup passes through.
func docHTML(d doc.Doc) template.HTML {
	var b strings.Builder
	for _, blk := range d {
		switch x := blk.(type) {
		case doc.Heading:
			tag := "h" + strconv.Itoa(min(x.Level+3, 6))
			b.WriteString("<" + tag + ">" + html.EscapeString(x.Text) + "</" + tag + ">")
		case doc.Paragraph:
			b.WriteString("<p>" + html.EscapeString(foldLines(x.Text)) + "</p>")
		case doc.Table:
			writeTableHTML(&b, x)
		}
	}
	return template.HTML(b.String())
}

// foldLines joins the non-blank lines of s, each trimmed, with single
// spaces.
func foldLines(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

func writeTableHTML(b *strings.Builder, t doc.Table) {
	b.WriteString(`<div class="scroll"><table class="data"><thead><tr>`)
	for _, c := range t.Header {
		b.WriteString("<th>" + html.EscapeString(c) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table></div>")
}

// sourceHTML shows a Markdown file that no document of the summary
// matches (a file of an older stage, or one without summary.json) as its
// source text, preformatted and escaped.
func sourceHTML(text string) template.HTML {
	return template.HTML("<pre>" + html.EscapeString(text) + "</pre>")
}
