package report

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// maxTableRows bounds the rows shown of one JSON array; the file holds
// the rest.
const maxTableRows = 40

// jsonHTML renders parsed JSON (decoded with UseNumber) for the page: an
// array of objects as a table, an object as a key/value table whose
// array-of-object values become sub-tables, anything else as text.
func jsonHTML(v any) template.HTML {
	var b strings.Builder
	writeJSON(&b, v, "")
	return template.HTML(b.String())
}

func writeJSON(b *strings.Builder, v any, caption string) {
	switch v := v.(type) {
	case []any:
		if rows, ok := objects(v); ok && len(rows) > 0 {
			writeObjectTable(b, rows, caption)
			return
		}
		if caption != "" {
			fmt.Fprintf(b, "<p class=\"cap\">%s</p>", html.EscapeString(caption))
		}
		fmt.Fprintf(b, "<p class=\"mono\">%s</p>", html.EscapeString(scalarList(v)))
	case map[string]any:
		var keys []string
		var nested []string
		for k, x := range v {
			if rows, ok := x.([]any); ok {
				if objs, ok := objects(rows); ok && len(objs) > 0 {
					nested = append(nested, k)
					continue
				}
			}
			if _, ok := x.(map[string]any); ok {
				nested = append(nested, k)
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sort.Strings(nested)
		if len(keys) > 0 {
			if caption != "" {
				fmt.Fprintf(b, "<p class=\"cap\">%s</p>", html.EscapeString(caption))
			}
			b.WriteString("<table class=\"kv\"><tbody>")
			for _, k := range keys {
				fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>", html.EscapeString(k), html.EscapeString(cell(v[k])))
			}
			b.WriteString("</tbody></table>")
		}
		for _, k := range nested {
			name := k
			if caption != "" {
				name = caption + "." + k
			}
			writeJSON(b, v[k], name)
		}
	default:
		fmt.Fprintf(b, "<p class=\"mono\">%s</p>", html.EscapeString(cell(v)))
	}
}

// objects reports whether every element of v is an object.
func objects(v []any) ([]map[string]any, bool) {
	out := make([]map[string]any, len(v))
	for i, x := range v {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		out[i] = m
	}
	return out, true
}

func writeObjectTable(b *strings.Builder, rows []map[string]any, caption string) {
	// Columns: keys of the first row in sorted order, then keys first
	// seen later (sorted), so every value has a column.
	var cols []string
	seen := map[string]bool{}
	for _, r := range rows {
		var add []string
		for k := range r {
			if !seen[k] {
				seen[k] = true
				add = append(add, k)
			}
		}
		sort.Strings(add)
		cols = append(cols, add...)
	}
	if caption != "" {
		fmt.Fprintf(b, "<p class=\"cap\">%s</p>", html.EscapeString(caption))
	}
	b.WriteString("<div class=\"scroll\"><table class=\"data\"><thead><tr>")
	for _, c := range cols {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(c))
	}
	b.WriteString("</tr></thead><tbody>")
	for i, r := range rows {
		if i == maxTableRows {
			break
		}
		b.WriteString("<tr>")
		for _, c := range cols {
			x, ok := r[c]
			class := ""
			if _, num := x.(json.Number); num {
				class = " class=\"num\""
			}
			s := ""
			if ok {
				s = cell(x)
			}
			fmt.Fprintf(b, "<td%s>%s</td>", class, html.EscapeString(s))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table></div>")
	if len(rows) > maxTableRows {
		fmt.Fprintf(b, "<p class=\"note\">First %d of %d rows shown; the file holds all of them.</p>", maxTableRows, len(rows))
	}
}

// cell formats one JSON value for a table cell: numbers with at most 4
// significant digits (integers in full), objects and arrays compactly.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case json.Number:
		return formatNumber(v)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return scalarList(v)
	default:
		data, _ := json.Marshal(v)
		return string(data)
	}
}

func formatNumber(n json.Number) string {
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

func scalarList(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = cell(x)
	}
	s := "[" + strings.Join(parts, ", ") + "]"
	if len(s) > 300 {
		s = s[:300] + "…]"
	}
	return s
}
