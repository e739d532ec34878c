package payment

import (
	"maps"
	"strings"
	"testing"

	"medclaims/fraud"
	"medclaims/policy"
)

// TestDRGRuleParameters (FRAUD.md §4, §8): the new rules' parameters are read from the
// bundle's fraud section over the defaults, and an unknown key or a bad value refuses the
// bundle with its position.
func TestDRGRuleParameters(t *testing.T) {
	base := sampleBundle(t).Files
	with := func(rules string) (*policy.Bundle, error) {
		files := maps.Clone(base)
		files[policy.FilePolicy] = []byte(strings.Replace(string(files[policy.FilePolicy]), `"hold_score": "0.8"`,
			`"hold_score": "0.8", "rules": {`+rules+`}`, 1))
		return policy.FromFiles(files, PolicyOptions())
	}
	b, err := with(`"cost_shifting": {"days": 5, "weight": "0.4"}, "low_severity_admissions": {"max_los": 1, "min_cases": 8},
		"severity_upcoding": {"iqr_factor": "2", "min_peers": 5}, "trace_code_reused": {"weight": "0.95"}, "unsupported_cc": {"enabled": false}`)
	if err != nil {
		t.Fatal(err)
	}
	p := fraud.NewParams(b.Fraud)
	if !p.Weight(fraud.CostShifting).Equal(dec("0.4")) || !p.Weight(fraud.TraceCodeReused).Equal(dec("0.95")) || p.Enabled(fraud.UnsupportedCC) ||
		p.Reach() != 15+31 || !p.Weight(fraud.LowSeverity).Equal(dec("0.5")) {
		t.Errorf("parameters: %+v", p)
	}
	if b, _ := with(`"cost_shifting": {"days": 40}`); fraud.NewParams(b.Fraud).Reach() != 40+31 {
		t.Error("the history reach does not cover cost_shifting.days")
	}
	for _, c := range []struct{ rules, want string }{
		{`"trace_code_reused": {"days": 3}`, `fraud.rules.trace_code_reused.days: unknown key (known: enabled, weight)`},
		{`"low_severity_admissions": {"max_los": 0}`, `fraud.rules.low_severity_admissions.max_los: must be at least 1, got 0`},
		{`"severity_upcoding": {"weight": "2"}`, `fraud.rules.severity_upcoding.weight: ratio 2 is outside 0..1`},
		{`"cost_shifting": {"days": "three"}`, `fraud.rules.cost_shifting.days`},
	} {
		if _, err := with(c.rules); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.rules, err, c.want)
		}
	}
}
