package comparator_test

import (
	"fmt"
	"time"

	"github.com/oinkhq/oink/comparator"
)

// A rules file in the form of shipped/rules/rtcim.yaml.
const exampleRules = `
name: example
key: [order_id, source_event_id]
event_time: source_event_time
unordered: {lines: line_no}
accept:
  - name: v1-utc-business-date
    paths: [business_date]
    when: {max_days: 1}
    reason: v1 computes business_date in UTC
`

func ExampleParseRules() {
	_, err := comparator.ParseRules("rules.yaml", []byte("name: x\naccept:\n  - name: a\n    paths: []\n    reason: r\n"))
	fmt.Println(err)
	// Output:
	// rules.yaml:4:12: accept[0].paths: empty; list the field paths this rule accepts, e.g. [business_date]
}

func ExampleRules_Compare() {
	rules, err := comparator.ParseRules("rules.yaml", []byte(exampleRules))
	if err != nil {
		panic(err)
	}
	control := `{"business_date":"2026-06-14","lines":[{"line_no":2,"tax_minor":5},{"line_no":1,"tax_minor":7}]}`
	candidate := `{"business_date":"2026-06-15","lines":[{"line_no":1,"tax_minor":7},{"line_no":2,"tax_minor":6}]}`
	res, err := rules.Compare([]byte(control), []byte(candidate))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Outcome)
	for _, d := range res.Diffs {
		fmt.Printf("%s: %s → %s (rule %q)\n", d.Path, d.Control, d.Candidate, d.Rule)
	}
	// Output:
	// divergent
	// business_date: "2026-06-14" → "2026-06-15" (rule "v1-utc-business-date")
	// lines[line_no=2].tax_minor: 5 → 6 (rule "")
}

func ExampleRules_Identify() {
	rules, err := comparator.ParseRules("rules.yaml", []byte(exampleRules))
	if err != nil {
		panic(err)
	}
	value := `{"order_id":"O1-000000001","source_event_id":"E1-000000001","source_event_time":"2026-06-15T17:04:05Z"}`
	identity, eventTime, err := rules.Identify([]byte("O1-000000001"), []byte(value), time.Time{})
	if err != nil {
		panic(err)
	}
	fmt.Println(identity, eventTime.Format(time.RFC3339))
	// Output: O1-000000001|E1-000000001 2026-06-15T17:04:05Z
}
