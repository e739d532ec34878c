package fraud

import (
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// Fact is what the rules know of one live claim version (FRAUD.md §2.1).
type Fact struct {
	Key         claim.Key       `json:"-"`
	Version     int             `json:"version"`
	MemberID    string          `json:"member_id"`
	Inpatient   bool            `json:"inpatient"`
	Admitted    time.Time       `json:"admitted,omitzero"`
	Discharged  time.Time       `json:"discharged,omitzero"`
	ServiceDate time.Time       `json:"service_date,omitzero"`
	Emergency   bool            `json:"emergency,omitempty"`
	PrincipalDx string          `json:"principal_dx,omitempty"`
	Total       decimal.Decimal `json:"total"`
	Status      string          `json:"status"`        // adjudicated | held | rejected (member_deceased)
	DRG         string          `json:"drg,omitempty"` // the grouped DRG of a DRG-priced stay
	Score       decimal.Decimal `json:"score"`         // the claim score
	// Method is the payment method the claim was priced by (drg, disease, …; "" when it was
	// not priced); Procedures tells whether the stay coded any procedure; DownReferral that
	// the claim is an approved downward referral (FRAUD.md §8).
	Method       string `json:"method,omitempty"`
	Procedures   bool   `json:"procedures,omitempty"`
	DownReferral bool   `json:"down_referral,omitempty"`
	// Legacy marks a fact stored before method and procedures were kept: unknown, not false.
	Legacy bool       `json:"-"`
	Lines  []LineFact `json:"lines"`
}

// LineFact is one claim line as the rules read it: category and timed hours from the
// catalogue.
type LineFact struct {
	No           int             `json:"no"`
	Item         string          `json:"item"`
	Category     string          `json:"category,omitempty"`
	Date         time.Time       `json:"date"`
	Qty          decimal.Decimal `json:"qty"`
	Amount       decimal.Decimal `json:"amount"`
	Hours        decimal.Decimal `json:"hours"` // quantity × hours_per_unit; 0 for untimed items
	Practitioner string          `json:"practitioner,omitempty"`
	DaysSupply   int             `json:"days_supply,omitempty"` // a drug line's days of supply; 0 when not given
	TraceCodes   []string        `json:"trace_codes,omitempty"` // traceability codes scanned at settlement (FRAUD.md §8)
}

// NewFact reads a claim's facts; the catalogue gives categories and timed hours.
func NewFact(c *claim.Claim, catalogue map[string]policy.Item) Fact {
	f := Fact{Key: claim.Key{ProviderID: c.ProviderID, ClaimID: c.ClaimID}, MemberID: c.MemberID, Inpatient: c.IsInpatient(),
		Admitted: c.Admitted, Discharged: c.Discharged, ServiceDate: c.ServiceDate, Emergency: c.Emergency, Total: c.Total,
		Procedures: len(c.Procedures) > 0, DownReferral: c.ApprovedReferral() && c.Referral.Direction == "down",
		Lines: make([]LineFact, len(c.Lines))}
	if len(c.Diagnoses) > 0 {
		f.PrincipalDx = c.Diagnoses[0]
	}
	for i, l := range c.Lines {
		lf := LineFact{No: l.LineNo, Item: l.ItemCode, Category: l.Category, Date: l.ServiceDate, Qty: l.Quantity,
			Amount: l.Amount, Practitioner: l.PractitionerID, DaysSupply: l.DaysSupply, TraceCodes: l.TraceCodes}
		if item, ok := catalogue[l.ItemCode]; ok {
			lf.Category = item.Category
			if item.HoursPerUnit != nil {
				lf.Hours = l.Quantity.Mul(*item.HoursPerUnit)
			}
		}
		f.Lines[i] = lf
	}
	return f
}

// Less orders facts by claim date, provider and claim id: the order of a member's history.
func Less(a, b *Fact) bool {
	if !a.ClaimDate().Equal(b.ClaimDate()) {
		return a.ClaimDate().Before(b.ClaimDate())
	}
	if a.Key.ProviderID != b.Key.ProviderID {
		return a.Key.ProviderID < b.Key.ProviderID
	}
	return a.Key.ClaimID < b.Key.ClaimID
}

// ClaimDate is the discharge date (outpatient: the service date).
func (f *Fact) ClaimDate() time.Time {
	if f.Inpatient {
		return f.Discharged
	}
	return f.ServiceDate
}

// nights returns the stay's nights [from, to): at least one (FRAUD.md §2.2).
func (f *Fact) nights() (from, to time.Time) {
	from, to = f.Admitted, f.Discharged
	if !to.After(from) {
		to = from.AddDate(0, 0, 1)
	}
	return from, to
}

// LOS is the length of stay in days, at least 1.
func (f *Fact) LOS() int {
	from, to := f.nights()
	return days(from, to)
}

func days(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

func date(t time.Time) string { return t.Format("2006-01-02") }

// ref names a claim in evidence.
func ref(f *Fact) map[string]any {
	m := map[string]any{"provider_id": f.Key.ProviderID, "claim_id": f.Key.ClaimID}
	if f.Inpatient {
		m["admitted"], m["discharged"] = date(f.Admitted), date(f.Discharged)
	} else {
		m["service_date"] = date(f.ServiceDate)
	}
	return m
}
