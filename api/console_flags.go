package api

import (
	"fmt"
	"strings"

	"medclaims/fraud"
)

// flagHeadline says in one line what an investigator checks first on a flag of the rules
// that follow the money (FRAUD.md §8): an upcoded stay's overpayment and both groups, a
// reused traceability code's first settlement. Other flags have none.
func flagHeadline(f fraud.Flag) string {
	ev := f.Evidence
	switch f.Rule {
	case fraud.UnsupportedCC:
		return fmt.Sprintf("overpayment %v: coded %v (RW %v, standard %v), regrouped without %s: %v (RW %v, standard %v)",
			ev["overpayment"], ev["drg"], ev["rw"], ev["standard"], strings.Join(strs(ev["unsupported"]), ", "), ev["drg_regrouped"],
			ev["rw_regrouped"], ev["standard_regrouped"])
	case fraud.TraceCodeReused:
		var parts []string
		codes, _ := ev["reused_codes"].([]any)
		for _, c := range codes {
			m, _ := c.(map[string]any)
			first, _ := m["first_settlement"].(map[string]any)
			parts = append(parts, fmt.Sprintf("code %v (line %v) first settled by %v/%v, member %v, line %v, on %v", m["code"], m["line"],
				first["provider_id"], first["claim_id"], first["member_id"], first["line"], first["date"]))
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// strs reads a JSON array of strings.
func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		for _, s := range x {
			out = append(out, fmt.Sprint(s))
		}
	}
	return out
}
