package oink

import _ "embed"

// Files shipped inside the oink binary, so the commands whose defaults name
// them (oink demo, oink bench, oink chaos) work from any directory, not
// only from the repository's root where these paths exist.
var (
	// RTCIMRules is testdata/rules/rtcim.yaml: the comparator rules for
	// RTCIMs, which accept v1's known rounding and UTC-date bugs by name.
	//
	//go:embed testdata/rules/rtcim.yaml
	RTCIMRules []byte

	// DemoPlan is testdata/plans/demo.yaml: the demo's cutover plan.
	//
	//go:embed testdata/plans/demo.yaml
	DemoPlan []byte
)

// Shipped maps the repository paths of the shipped files to their bytes.
func Shipped() map[string][]byte {
	return map[string][]byte{
		"testdata/rules/rtcim.yaml": RTCIMRules,
		"testdata/plans/demo.yaml":  DemoPlan,
	}
}
