package policy

// Reading policy.json.

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

func (l *loader) policyJSON(data []byte) {
	top, ok := l.decodePolicy(data)
	if !ok {
		return
	}
	j := &jctx{l: l, data: data, idx: jsonIndex(data)}
	j.identity(top)
	j.adjustments(top)
	j.assistance(top)
	b := l.b
	b.MaxCoverage = j.optDec(top, "max_coverage", "max_coverage")
	if b.MaxCoverage != nil && (b.MaxCoverage.IsNegative() || b.MaxCoverage.GreaterThan(decimal.NewFromInt(1))) {
		j.err("max_coverage", "ratio %s is outside 0..1", b.MaxCoverage)
	}
	j.drgParams(top)
	j.bedDay(top)
	if gm := j.obj(top["global_budget"], "global_budget", false); gm != nil {
		b.GlobalBudget = GlobalBudget{
			RetentionRatio: j.ratio(gm, "retention_ratio", "global_budget.retention_ratio", true),
			RetentionCap:   j.ratio(gm, "retention_cap", "global_budget.retention_cap", true),
			OverspendBand:  j.ratio(gm, "overspend_band", "global_budget.overspend_band", true),
			OverspendShare: j.ratio(gm, "overspend_share", "global_budget.overspend_share", true),
		}
	}
	j.fraud(top)
}

// decodePolicy decodes policy.json, reporting a syntax error with its line and column.
func (l *loader) decodePolicy(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		var off int64
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = max(0, se.Offset-1) // Offset counts the offending byte as read
		case errors.As(err, &te):
			off = te.Offset
		}
		line, col := lineCol(data, off)
		l.errAt(FilePolicy, line, col, "not valid JSON: %v", err)
		return nil, false
	}
	return top, true
}

// identity reads the version, its effective date, region, grouper and schemes.
func (j *jctx) identity(top map[string]any) {
	b := j.l.b
	b.Version = j.str(top, "version", "version", true)
	if b.Version == "" {
		if _, ok := top["version"]; ok {
			j.err("version", "must not be empty")
		}
	}
	if s := j.str(top, "effective_from", "effective_from", true); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			j.err("effective_from", "%q is not a date YYYY-MM-DD", s)
		}
		b.EffectiveFrom = t
	}
	b.Region = j.str(top, "region", "region", false)
	b.Grouper = j.str(top, "grouper", "grouper", false)
	if b.Grouper != "" && !slices.Contains(j.l.opt.Groupers, b.Grouper) {
		j.err("grouper", "no DRG grouper data set %q (available: %s)", b.Grouper, strings.Join(j.l.opt.Groupers, ", "))
	}
	b.Schemes = map[string]*Scheme{}
	if sm := j.obj(top["schemes"], "schemes", true); sm != nil {
		if len(sm) == 0 {
			j.err("schemes", "at least one scheme is needed")
		}
		for name, v := range sm {
			b.Schemes[name] = j.scheme(v, "schemes."+name)
		}
	}
}

// adjustments reads the readmission, referral, cross-region and poverty adjustments.
func (j *jctx) adjustments(top map[string]any) {
	b := j.l.b
	b.ReadmissionReduction = j.nonNeg(top, "readmission_reduction", "readmission_reduction", false)
	if n, ok := j.integer(top, "referral_required_from_level", "referral_required_from_level", false); ok {
		b.ReferralRequiredFromLevel = n
	} else {
		b.ReferralRequiredFromLevel = 99 // absent: no referral requirement
	}
	b.UnreferredDelta = j.dec(top, "unreferred_delta", "unreferred_delta", false)
	b.UnreferredNoBasic = j.boolean(top, "unreferred_no_basic", "unreferred_no_basic")
	b.CrossRegionDelta = map[string]decimal.Decimal{}
	if cm := j.obj(top["cross_region_delta"], "cross_region_delta", false); cm != nil {
		for k := range cm {
			if k != "registered" && k != "unregistered" {
				j.err("cross_region_delta."+k, "unknown cross-region kind (registered, unregistered)")
				continue
			}
			b.CrossRegionDelta[k] = j.dec(cm, k, "cross_region_delta."+k, true)
		}
	}
	b.PovertyDelta = j.dec(top, "poverty_delta", "poverty_delta", false)
	b.Poverty.CriticalThresholdFactor = decimal.NewFromInt(1)
	if pm := j.obj(top["poverty"], "poverty", false); pm != nil {
		factor := b.Poverty.CriticalThresholdFactor
		if _, ok := pm["critical_threshold_factor"]; ok {
			factor = j.nonNeg(pm, "critical_threshold_factor", "poverty.critical_threshold_factor", false)
		}
		b.Poverty = Poverty{
			CriticalThresholdFactor:          factor,
			CriticalRatioDelta:               j.dec(pm, "critical_ratio_delta", "poverty.critical_ratio_delta", false),
			CriticalUncapped:                 j.boolean(pm, "critical_uncapped", "poverty.critical_uncapped"),
			ReadmissionSameLevelNoDeductible: j.boolean(pm, "readmission_same_level_no_deductible", "poverty.readmission_same_level_no_deductible"),
		}
	}
}

// assistance reads the medical assistance layer per category.
func (j *jctx) assistance(top map[string]any) {
	b := j.l.b
	b.Assistance = map[string]AssistanceRule{}
	am := j.obj(top["assistance"], "assistance", false)
	for k, v := range am {
		p := "assistance." + k
		if k != "low_income" && k != "extreme_poverty" {
			j.err(p, "unknown assistance category (low_income, extreme_poverty)")
			continue
		}
		if m := j.obj(v, p, true); m != nil {
			b.Assistance[k] = AssistanceRule{Ratio: j.ratio(m, "ratio", p+".ratio", true), AnnualCap: j.optNonNeg(m, "annual_cap", p+".annual_cap")}
		}
	}
}
