package fraud

import (
	"slices"
	"time"
)

// DayCount is a provider's day: its midnight census (inpatients in a bed that night, a
// same-day stay counting one night) and the claims dated that day.
type DayCount struct {
	Date   time.Time
	Census int
	Claims int
}

// Census counts a provider's live claims by day, from the first to the last day either
// counts something, for the census chart investigators read beside census_over_beds.
func Census(facts []*Fact) []DayCount {
	census, claims := map[time.Time]int{}, map[time.Time]int{}
	for _, c := range facts {
		claims[c.ClaimDate()]++
		if !c.Inpatient {
			continue
		}
		nf, nt := c.nights()
		for d := nf; d.Before(nt); d = d.AddDate(0, 0, 1) {
			census[d]++
		}
	}
	var days []time.Time
	for d := range census {
		days = append(days, d)
	}
	for d := range claims {
		days = append(days, d)
	}
	if len(days) == 0 {
		return nil
	}
	first, last := slices.MinFunc(days, time.Time.Compare), slices.MaxFunc(days, time.Time.Compare)
	var out []DayCount
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, DayCount{Date: d, Census: census[d], Claims: claims[d]})
	}
	return out
}
