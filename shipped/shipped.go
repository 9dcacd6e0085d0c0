package shipped

import _ "embed"

var (
	// RTCIMRules is shipped/rules/rtcim.yaml: the comparator rules for
	// RTCIMs, whose identity is order_id|source_event_id and which accept
	// v1's known rounding and UTC-date bugs by name.
	//
	//go:embed rules/rtcim.yaml
	RTCIMRules []byte

	// DemoPlan is shipped/plans/demo.yaml: the demo's cutover plan.
	//
	//go:embed plans/demo.yaml
	DemoPlan []byte
)

// RulesPath and PlanPath are the repository paths of the shipped files:
// the defaults of --rules and --plan.
const (
	RulesPath = "shipped/rules/rtcim.yaml"
	PlanPath  = "shipped/plans/demo.yaml"
)

// Files maps the repository paths of the shipped files to their bytes.
func Files() map[string][]byte {
	return map[string][]byte{RulesPath: RTCIMRules, PlanPath: DemoPlan}
}
