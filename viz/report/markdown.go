package report

import (
	"html"
	"html/template"
	"regexp"
	"strings"
)

// markdownHTML renders the Markdown subset the interp stage writes:
// headings (shown one level below the report's own), pipe tables, bullet
// lists, fenced code blocks and paragraphs, with `code` and **bold**
// inline. Everything is HTML-escaped first, so no markup passes through.
func markdownHTML(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>")
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trim := strings.TrimSpace(line)
		switch {
		case trim == "":
			flush()
		case strings.HasPrefix(trim, "```"):
			flush()
			b.WriteString("<pre>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</pre>")
		case strings.HasPrefix(trim, "#"):
			flush()
			level := len(trim) - len(strings.TrimLeft(trim, "#"))
			h := min(level+3, 6)
			tag := "h" + string(rune('0'+h))
			b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(trim[level:])) + "</" + tag + ">")
		case strings.HasPrefix(trim, "|"):
			flush()
			var rows []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, strings.TrimSpace(lines[i]))
			}
			i--
			writeMarkdownTable(&b, rows)
		case strings.HasPrefix(trim, "- ") || strings.HasPrefix(trim, "* "):
			flush()
			b.WriteString("<ul>")
			for ; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if !strings.HasPrefix(t, "- ") && !strings.HasPrefix(t, "* ") {
					break
				}
				b.WriteString("<li>" + inline(t[2:]) + "</li>")
			}
			i--
			b.WriteString("</ul>")
		default:
			para = append(para, trim)
		}
	}
	flush()
	return template.HTML(b.String())
}

var alignRow = regexp.MustCompile(`^\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$`)

func writeMarkdownTable(b *strings.Builder, rows []string) {
	split := func(r string) []string {
		r = strings.TrimPrefix(strings.TrimSuffix(r, "|"), "|")
		cells := strings.Split(r, "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		return cells
	}
	b.WriteString("<div class=\"scroll\"><table class=\"data\">")
	body := rows
	if len(rows) >= 2 && alignRow.MatchString(rows[1]) {
		b.WriteString("<thead><tr>")
		for _, c := range split(rows[0]) {
			b.WriteString("<th>" + inline(c) + "</th>")
		}
		b.WriteString("</tr></thead>")
		body = rows[2:]
	}
	b.WriteString("<tbody>")
	for _, r := range body {
		b.WriteString("<tr>")
		for _, c := range split(r) {
			b.WriteString("<td>" + inline(c) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table></div>")
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	boldSpan = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// inline escapes s and renders `code` and **bold**.
func inline(s string) string {
	s = html.EscapeString(s)
	s = codeSpan.ReplaceAllString(s, "<code>$1</code>")
	return boldSpan.ReplaceAllString(s, "<strong>$1</strong>")
}
