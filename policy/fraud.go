package policy

import (
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// fraud reads the fraud section (FRAUD.md §4): every key optional; an unknown rule id or
// key is refused at its position.
func (j *jctx) fraud(top map[string]any) {
	fm := j.obj(top["fraud"], "fraud", false)
	if fm == nil {
		return
	}
	f := &j.l.b.Fraud
	for k := range fm {
		switch k {
		case "flag_score", "hold_score", "window_days", "response_days", "rules", "people":
		default:
			j.err("fraud."+k, "unknown key (known: flag_score, hold_score, window_days, response_days, rules, people)")
		}
	}
	f.FlagScore, f.HoldScore = j.optRatio(fm, "flag_score", "fraud.flag_score"), j.optRatio(fm, "hold_score", "fraud.hold_score")
	if f.FlagScore != nil && f.HoldScore != nil && f.HoldScore.LessThan(*f.FlagScore) {
		j.err("fraud.hold_score", "hold_score %s is below flag_score %s", f.HoldScore, f.FlagScore)
	}
	for _, k := range []string{"window_days", "response_days"} {
		if n, ok := j.integer(fm, k, "fraud."+k, false); ok {
			if n < 1 || n > 3660 {
				j.err("fraud."+k, "%d is outside 1..3660", n)
			}
			if k == "window_days" {
				f.WindowDays = n
			} else {
				f.ResponseDays = n
			}
		}
	}
	j.people(fm)
	rules := j.obj(fm["rules"], "fraud.rules", false)
	if len(rules) > 0 {
		f.Rules = map[string]FraudRuleParams{}
	}
	for id, v := range rules {
		path := "fraud.rules." + id
		keys, known := j.l.opt.FraudRules[id]
		if !known {
			j.err(path, "unknown fraud rule %q (known: %s)", id, strings.Join(slices.Sorted(maps.Keys(j.l.opt.FraudRules)), ", "))
			continue
		}
		if rm := j.obj(v, path, true); rm != nil {
			f.Rules[id] = j.fraudRule(rm, path, keys)
		}
	}
}

func (j *jctx) fraudRule(rm map[string]any, path string, keys map[string]string) FraudRuleParams {
	r := FraudRuleParams{Values: map[string]decimal.Decimal{}}
	for k := range rm {
		kp := path + "." + k
		if k == "enabled" {
			b, ok := rm[k].(bool)
			if !ok {
				j.err(kp, "must be true or false")
			}
			r.Enabled = &b
			continue
		}
		kind, known := keys[k]
		if !known {
			j.err(kp, "unknown key (known: enabled, %s)", strings.Join(slices.Sorted(maps.Keys(keys)), ", "))
			continue
		}
		switch kind {
		case FraudWeight:
			r.Values[k] = j.ratio(rm, k, kp, true)
		case FraudInt:
			if n, ok := j.integer(rm, k, kp, true); ok {
				if n < 1 {
					j.err(kp, "must be at least 1, got %d", n)
				}
				r.Values[k] = decimal.NewFromInt(int64(n))
			}
		default:
			d := j.dec(rm, k, kp, true)
			if !d.IsPositive() {
				j.err(kp, "must be above 0, got %s", d)
			}
			r.Values[k] = d
		}
	}
	return r
}

func (j *jctx) optRatio(m map[string]any, k, path string) *decimal.Decimal {
	if v, ok := m[k]; !ok || v == nil {
		return nil
	}
	d := j.ratio(m, k, path, true)
	return &d
}
