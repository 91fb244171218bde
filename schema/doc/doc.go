// Package doc is the structure of the tables-and-prose documents the
// analyses leave beside their JSON results (interp/*.md): headings,
// paragraphs and tables held as data. Markdown writes a document as the
// files on disk; a renderer for another medium (viz/report's HTML) walks
// the same blocks, so no consumer parses Markdown back.
package doc

import (
	"fmt"
	"math"
	"strings"
)

// Doc is a document: its blocks in reading order.
type Doc []Block

// Block is one of Heading, Paragraph or Table.
type Block interface{ block() }

// Heading is a section title; Level 1 is the document's title, 2 a
// section within it.
type Heading struct {
	Level int
	Text  string
}

// Paragraph is one paragraph of plain text (no inline markup). Leading and
// trailing spaces carry no meaning.
type Paragraph struct{ Text string }

// Table is a table of plain-text cells with a header row; every row has
// as many cells as Header.
type Table struct {
	Header []string
	Rows   [][]string
}

func (Heading) block()   {}
func (Paragraph) block() {}
func (Table) block()     {}

// Markdown writes d as Markdown: blocks separated by a blank line, each
// ending in a newline, tables as pipe tables. Text is written as is, so a
// cell holding '|' splits its column for a Markdown reader. Markdown
// panics on a Heading whose Level is not in [1, 6].
func (d Doc) Markdown() string {
	var b strings.Builder
	for i, blk := range d {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch x := blk.(type) {
		case Heading:
			if x.Level < 1 || x.Level > 6 {
				panic(fmt.Sprintf("doc: heading level %d", x.Level))
			}
			b.WriteString(strings.Repeat("#", x.Level) + " " + x.Text + "\n")
		case Paragraph:
			b.WriteString(x.Text + "\n")
		case Table:
			writeTable(&b, x)
		}
	}
	return b.String()
}

func writeTable(b *strings.Builder, t Table) {
	b.WriteString("| " + strings.Join(t.Header, " | ") + " |\n|")
	for range t.Header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// G3 formats v with three significant digits ("+Inf", "-Inf" and "NaN" as
// such), the precision of the documents' tables.
func G3(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.3g", v)
}
