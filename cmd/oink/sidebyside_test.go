package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/oinkhq/oink/diffstore"
)

// exampleDivergence is v1's record with a UTC business date and a half-up
// tax against v2's, both as the switch would see them.
func exampleDivergence() diffstore.Divergence {
	control := `{"rtcim_id":"4b1f2c0e-9d8a-5f6e-8c3b-2a1d0e9f8c7b","rtcim_type":"SALE","order_id":"O1-000000042",` +
		`"source_event_id":"E1-000000042","source_event_time":"2026-03-08T06:00:41Z","business_date":"2026-03-08",` +
		`"store_id":"S-017","channel":"STORE","currency":"USD","schema_version":1,` +
		`"lines":[{"line_no":1,"sku":"SKU-00042","qty":3,"unit_price_minor":1299,"discount_minor":0,"tax_minor":313,"net_minor":4210}],` +
		`"totals":{"gross_minor":3897,"discount_minor":0,"tax_minor":313,"shipping_minor":0,"net_minor":4210}}`
	candidate := strings.NewReplacer(`"business_date":"2026-03-08"`, `"business_date":"2026-03-07"`,
		`"tax_minor":313`, `"tax_minor":312`, `"net_minor":4210`, `"net_minor":4209`).Replace(control)
	return diffstore.Divergence{Identity: "O1-000000042|E1-000000042", Kind: diffstore.KindDivergent, Partition: 3,
		EventTime: time.Date(2026, 3, 8, 6, 0, 41, 0, time.UTC),
		Control:   json.RawMessage(control), Candidate: json.RawMessage(candidate),
		Diff: []diffstore.FieldDiff{
			{Path: "business_date", Control: json.RawMessage(`"2026-03-08"`), Candidate: json.RawMessage(`"2026-03-07"`), Rule: "v1-utc-business-date"},
			{Path: "lines[line_no=1].tax_minor", Control: json.RawMessage(`313`), Candidate: json.RawMessage(`312`)},
			{Path: "totals.tax_minor", Control: json.RawMessage(`313`), Candidate: json.RawMessage(`312`)},
		}}
}

// TestDiffsShowSideBySide: the differing fields, then both records side
// by side within 100 columns, their lines aligned, each line that differs
// marked; the golden file shows the whole screen.
func TestDiffsShowSideBySide(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	showDivergence(&b, diffstore.Run{ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}, exampleDivergence())
	out := b.String()
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := ansi.StringWidth(l); w > 100 {
			t.Errorf("line takes %d columns, want at most 100: %q", w, l)
		}
	}
	changed := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, markChanged+" ") && strings.Contains(l, " │ ") {
			changed++
		}
	}
	if changed != 5 { // business_date, the line's tax and net, the totals' tax and net
		t.Errorf("%d lines marked %s, want 5:\n%s", changed, markChanged, out)
	}
	golden.RequireEqual(t, b.Bytes())
}

// TestAlignLinesPairsChangesAndKeepsTheRest: equal lines face each other,
// a changed line faces its counterpart, and a line only one side has stands
// alone on its side.
func TestAlignLinesPairsChangesAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	a := []string{"{", `"a": 1,`, `"b": 2,`, `"c": 3`, "}"}
	b := []string{"{", `"a": 1,`, `"b": 9,`, `"x": 0,`, `"c": 3`, "}"}
	var got []string
	for _, p := range alignLines(a, b) {
		l, r := "-", "-"
		if p.left != nil {
			l = *p.left
		}
		if p.right != nil {
			r = *p.right
		}
		got = append(got, l+" | "+r)
	}
	want := []string{"{ | {", `"a": 1, | "a": 1,`, `"b": 2, | "b": 9,`, `- | "x": 0,`, `"c": 3 | "c": 3`, "} | }"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alignLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSideBySideOfAMissingRecord: the side without a record says it is
// absent, and every line of the other is marked as only on its side.
func TestSideBySideOfAMissingRecord(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	sideBySide(&b, 100, "control rtcim.v1", "candidate rtcim.v2", nil, []byte(`{"a":1}`))
	out := b.String()
	if !strings.Contains(out, "(absent)") || !strings.Contains(out, markRight) {
		t.Errorf("side by side with no control record:\n%s", out)
	}
}
