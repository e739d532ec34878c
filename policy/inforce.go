package policy

import "time"

// InForce is the one answer to "which policy version is in force on date": of the
// versions given, the one with the latest effective_from not after date (of two with the
// same date, the later in the list); nil when none is. Adjudication asks it for a claim's
// discharge (outpatient: service) date, scoring for a provider's latest claim date, cases
// for the decision date and closing for the period's last day.
func InForce(versions []*Bundle, date time.Time) *Bundle {
	var in *Bundle
	for _, b := range versions {
		if !b.EffectiveFrom.After(date) && (in == nil || !b.EffectiveFrom.Before(in.EffectiveFrom)) {
			in = b
		}
	}
	return in
}
