package report

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
)

// maxTableRows bounds the rows shown of one JSON array; the file holds
// the rest.
const maxTableRows = 40

// jsonHTML renders a JSON document (decodeDocument) for the page: an
// array of objects as a table (nested objects flattened into "key.sub"
// columns), an object as a key/value table whose array-of-object values
// become captioned sub-tables, anything else as text.
func jsonHTML(v any) template.HTML {
	var b strings.Builder
	writeJSON(&b, v, "")
	return template.HTML(b.String())
}

func writeJSON(b *strings.Builder, v any, caption string) {
	writeCaption := func() {
		if caption != "" {
			fmt.Fprintf(b, "<p class=\"cap\">%s</p>", html.EscapeString(caption))
		}
	}
	switch v := v.(type) {
	case []any:
		if rows, ok := objects(v); ok && len(rows) > 0 {
			writeCaption()
			writeObjectTable(b, rows)
			return
		}
		writeCaption()
		fmt.Fprintf(b, "<p class=\"mono\">%s</p>", html.EscapeString(scalarList(v)))
	case *object:
		var scalars, nested []string
		for _, k := range v.Keys {
			switch x := v.Values[k].(type) {
			case []any:
				if objs, ok := objects(x); ok && len(objs) > 0 {
					nested = append(nested, k)
					continue
				}
			case *object:
				nested = append(nested, k)
				continue
			}
			scalars = append(scalars, k)
		}
		if len(scalars) > 0 {
			writeCaption()
			b.WriteString("<table class=\"kv\"><tbody>")
			for _, k := range scalars {
				fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>", html.EscapeString(k), html.EscapeString(cell(v.Values[k])))
			}
			b.WriteString("</tbody></table>")
		}
		for _, k := range nested {
			name := k
			if caption != "" {
				name = caption + "." + k
			}
			writeJSON(b, v.Values[k], name)
		}
	default:
		writeCaption()
		fmt.Fprintf(b, "<p class=\"mono\">%s</p>", html.EscapeString(cell(v)))
	}
}

// objects reports whether every element of v is an object.
func objects(v []any) ([]*object, bool) {
	out := make([]*object, len(v))
	for i, x := range v {
		o, ok := x.(*object)
		if !ok {
			return nil, false
		}
		out[i] = o
	}
	return out, true
}

// flatten lists o's leaves with nested object keys joined by ".".
func flatten(o *object, prefix string, keys *[]string, vals map[string]any) {
	for _, k := range o.Keys {
		name := prefix + k
		if sub, ok := o.Values[k].(*object); ok {
			flatten(sub, name+".", keys, vals)
			continue
		}
		*keys = append(*keys, name)
		vals[name] = o.Values[k]
	}
}

func writeObjectTable(b *strings.Builder, rows []*object) {
	// Columns in order of first appearance, so every value has one.
	var cols []string
	seen := map[string]bool{}
	flat := make([]map[string]any, len(rows))
	for i, r := range rows {
		var keys []string
		flat[i] = map[string]any{}
		flatten(r, "", &keys, flat[i])
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	numeric := map[string]bool{}
	for _, c := range cols {
		numeric[c] = true
		for _, r := range flat {
			if x, ok := r[c]; ok {
				if _, num := x.(json.Number); !num {
					numeric[c] = false
				}
			}
		}
	}
	b.WriteString("<div class=\"scroll\"><table class=\"data\"><thead><tr>")
	for _, c := range cols {
		class := ""
		if numeric[c] {
			class = " class=\"num\""
		}
		fmt.Fprintf(b, "<th%s>%s</th>", class, html.EscapeString(c))
	}
	b.WriteString("</tr></thead><tbody>")
	for i, r := range flat {
		if i == maxTableRows {
			break
		}
		b.WriteString("<tr>")
		for _, c := range cols {
			class := ""
			if numeric[c] {
				class = " class=\"num\""
			}
			s := ""
			if x, ok := r[c]; ok {
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
	case *object:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			parts[i] = k + ": " + cell(v.Values[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
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
