package style

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oinkhq/oink/internal/human"
)

// Styles are the dashboard's lipgloss styles.
type Styles struct {
	Title    lipgloss.Style // a pane's title
	Focused  lipgloss.Style // the title of the pane keys go to
	Label    lipgloss.Style // a label before a value
	Dim      lipgloss.Style // secondary text
	Good     lipgloss.Style // passed, holds, alive
	Warn     lipgloss.Style // waiting
	Bad      lipgloss.Style // failed, divergent, broken
	Selected lipgloss.Style // the selected row of a list
	Diff     lipgloss.Style // a line of a record whose field differs
	Accepted lipgloss.Style // a difference an accept rule explains
	Status   lipgloss.Style // the status bar
	Error    lipgloss.Style // an error in the status bar
	Prompt   lipgloss.Style // the prompt line
}

// New returns the default styles. Colors degrade with the terminal's color
// profile (lipgloss detects it); with none, only the marker characters
// remain.
func New() Styles {
	return Styles{
		Title:    lipgloss.NewStyle().Bold(true),
		Focused:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("12")),
		Label:    lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Dim:      lipgloss.NewStyle().Faint(true),
		Good:     lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		Warn:     lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		Bad:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		Selected: lipgloss.NewStyle().Reverse(true),
		Diff:     lipgloss.NewStyle().Bold(true).Reverse(true),
		Accepted: lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		Status:   lipgloss.NewStyle().Reverse(true),
		Error:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		Prompt:   lipgloss.NewStyle().Bold(true),
	}
}

// Count formats n with thousands separators: 1234567 is "1,234,567".
func Count(n int64) string { return human.Count(n) }

// Percent formats a fraction (0.0123) as a percent with two decimals
// ("1.23%"), or four below 0.01% so that a rare divergence never reads 0.00%.
func Percent(f float64) string { return human.Fraction(f) }

// Rate formats a per-second rate: "512/s", "1.5/s", or "–" when unknown
// (negative).
func Rate(perSecond float64) string {
	switch {
	case perSecond < 0:
		return "–/s"
	case perSecond >= 100 || perSecond == 0:
		return Count(int64(perSecond+0.5)) + "/s"
	}
	return strconv.FormatFloat(perSecond, 'f', 1, 64) + "/s"
}

// Duration formats d for people: "0.4s" under ten seconds, "12s", "3m05s",
// "2h03m".
func Duration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// Cut truncates s (which may hold escape sequences) to width cells, ending
// it with "…" when it was cut.
func Cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// Pad cuts s to width cells and pads it with spaces to exactly width.
func Pad(s string, width int) string {
	s = Cut(s, width)
	if w := ansi.StringWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// PadLeft cuts s to width cells and right-aligns it in width.
func PadLeft(s string, width int) string {
	s = Cut(s, width)
	if w := ansi.StringWidth(s); w < width {
		s = strings.Repeat(" ", width-w) + s
	}
	return s
}

// Wrap breaks s into lines of at most width cells at spaces (never inside
// a word such as v1-utc-business-date; a word wider than width is cut),
// dropping the spaces it breaks at: joining the lines with single spaces
// gives s back when s has no run of spaces and no overlong word.
func Wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	var lines []string
	line := ""
	for _, word := range strings.Split(s, " ") {
		for Width(word) > width { // cut a word that fits no line
			if line != "" {
				lines, line = append(lines, line), ""
			}
			lines = append(lines, ansi.Cut(word, 0, width))
			word = ansi.Cut(word, width, Width(word))
		}
		switch {
		case line == "":
			line = word
		case Width(line)+1+Width(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	return append(lines, line)
}

// Width is the number of cells s takes on a terminal.
func Width(s string) int { return ansi.StringWidth(s) }

// Lines returns exactly height lines of exactly width cells: lines are cut
// or padded, missing lines are blank, extra lines are dropped.
func Lines(lines []string, width, height int) string {
	out := make([]string, height)
	for i := range out {
		if i < len(lines) {
			out[i] = Pad(lines[i], width)
		} else {
			out[i] = strings.Repeat(" ", max(width, 0))
		}
	}
	return strings.Join(out, "\n")
}

// Join joins the non-empty parts with " · ".
func Join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, " · ")
}
