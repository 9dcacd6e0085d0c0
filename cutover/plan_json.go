package cutover

import (
	"encoding/json"
	"fmt"
	"time"
)

// planJSON is a plan as the store keeps it and `--json` prints it: field
// names in lowerCamelCase, durations as Go duration strings.
type planJSON struct {
	Run              string     `json:"run"`
	Steps            []stepJSON `json:"steps"`
	OnDivergence     Policy     `json:"onDivergence"`
	Margin           string     `json:"margin"`
	MaxComparatorLag string     `json:"maxComparatorLag"`
	Require          Level      `json:"require,omitempty"`
}

type stepJSON struct {
	Percent  float64 `json:"percent"`
	Hold     string  `json:"hold"`
	MinPairs int64   `json:"minPairs"`
	Require  Level   `json:"require,omitempty"`
}

// MarshalJSON encodes the plan with durations as strings ("10m0s").
func (p Plan) MarshalJSON() ([]byte, error) {
	out := planJSON{Run: p.Run, Steps: []stepJSON{}, OnDivergence: p.OnDivergence,
		Margin: p.Margin.String(), MaxComparatorLag: p.MaxComparatorLag.String(), Require: p.Require}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, stepJSON{Percent: s.Percent, Hold: s.Hold.String(), MinPairs: s.MinPairs, Require: s.Require})
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON wrote and validates it.
func (p *Plan) UnmarshalJSON(data []byte) error {
	var in planJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	out := Plan{Run: in.Run, OnDivergence: in.OnDivergence, Require: in.Require}
	var err error
	if out.Margin, err = time.ParseDuration(in.Margin); err != nil {
		return fmt.Errorf("plan margin: %w", err)
	}
	if out.MaxComparatorLag, err = time.ParseDuration(in.MaxComparatorLag); err != nil {
		return fmt.Errorf("plan maxComparatorLag: %w", err)
	}
	for i, s := range in.Steps {
		hold, err := time.ParseDuration(s.Hold)
		if err != nil {
			return fmt.Errorf("plan steps[%d].hold: %w", i, err)
		}
		out.Steps = append(out.Steps, Step{Percent: s.Percent, Hold: hold, MinPairs: s.MinPairs, Require: s.Require})
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*p = out
	return nil
}
