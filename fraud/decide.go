package fraud

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

// Finding types and the article of the regulations each falls under (FRAUD.md §5): a
// fabricated service is Art. 40 (fine 2–5× the recovery), the others Art. 38 (1–2×).
const (
	FindingFabricated = "fabricated_service"
	FindingUpcoding   = "upcoding"
	ArticleFraud      = "art40"
	ArticleMisuse     = "art38"
)

var findingArticles = map[string]string{
	FindingFabricated: ArticleFraud, "split_admission": ArticleMisuse, "bed_holding": ArticleMisuse,
	"over_treatment": ArticleMisuse, "duplicate_charge": ArticleMisuse, "over_standard_charge": ArticleMisuse,
	FindingUpcoding: ArticleMisuse,
}

// FindingTypes lists the finding types in a stable order.
func FindingTypes() []string {
	return []string{FindingFabricated, "split_admission", "bed_holding", "over_treatment", "duplicate_charge", "over_standard_charge",
		FindingUpcoding}
}

// fineFactors are the fine range per article, as multiples of the recovery.
var fineFactors = map[string][2]decimal.Decimal{ArticleMisuse: {d("1"), d("2")}, ArticleFraud: {d("2"), d("5")}}

// Finding is one confirmed finding: its claims, the money, and an optional suspension.
type Finding struct {
	Type            string       `json:"type"`
	Article         string       `json:"article"`
	ClaimIDs        []string     `json:"claim_ids"`
	PractitionerIDs []string     `json:"practitioner_ids"`
	Recovery        *claim.Money `json:"recovery"`
	FineMin         *claim.Money `json:"fine_min"`
	FineMax         *claim.Money `json:"fine_max"`
	Fine            *claim.Money `json:"fine"`
	SuspendMonths   int          `json:"suspend_months,omitempty"`
	// PractitionerPoints are the qualification points the finding gives each person it
	// names (FRAUD.md §9): 7–12 for a fabricated service, 1–9 for the others.
	PractitionerPoints map[string]int `json:"practitioner_points,omitempty"`
}

// Payment decisions a case makes of a claim (the claim payment ledger's events).
const (
	PaymentReleased  = "released"
	PaymentDenied    = "denied"
	PaymentRecovered = "recovered"
)

// ClaimPayment is what a decision needs of a claim: whether it is held (never paid) or
// payable (paid, or to be paid, by its statement), what the fund owes the provider, and
// what an earlier case already decided of its payment (Decided, by DecidedBy).
type ClaimPayment struct {
	ClaimID        string
	Held           bool
	FundToProvider decimal.Decimal
	Decided        string // "", or a Payment… status derived from the payment ledger
	DecidedBy      string // the case that decided it
	// Overpayment is the claim's unsupported_cc overpayment (FRAUD.md §8.5), nil when the
	// rule did not fire on it: what an upcoding finding recovers.
	Overpayment *decimal.Decimal
}

// withheld reports whether the claim is held and no case has decided its payment yet.
func (p ClaimPayment) withheld() bool { return p.Held && p.Decided == "" }

// settled reports whether a case has already denied or recovered the claim: its money is
// taken once, and only an explicit reversal gives it back.
func (p ClaimPayment) settled() bool {
	return p.Decided == PaymentDenied || p.Decided == PaymentRecovered
}

// Decision is an investigator's decision as asked for; findings carry type, claims,
// practitioners, the fine and an optional suspension.
type Decision struct {
	Decision string
	Note     string
	Findings []Finding
}

// Designation is the change a decision makes to the provider's designation.
type Designation struct {
	Status string    // "terminated" (barred) or "suspended"
	Until  time.Time // banned_until, or the end of the suspension
	Reason string
}

// Sanction is one entry of the sanction register: the provider or a practitioner of a
// confirmed finding.
type Sanction struct {
	ProviderID     string     `json:"provider_id"`
	PractitionerID string     `json:"practitioner_id,omitempty"`
	Finding        string     `json:"finding"`
	Article        string     `json:"article"`
	CaseID         string     `json:"case_id"`
	DecidedAt      time.Time  `json:"decided_at"`
	Until          *time.Time `json:"until,omitempty"`
	OwnerID        string     `json:"owner_id,omitempty"` // the provider's owner when it was decided
	// Derived when the register is read (FRAUD.md §9.6): a person's points from the case, net
	// of amendments; the status (a person's qualification now, with Until its end; a
	// provider's designation by the decision).
	Points    *int       `json:"points,omitempty"`
	Status    string     `json:"status,omitempty"`
	AmendedAt *time.Time `json:"amended_at,omitempty"` // an appeal's amendment of the case
}

// Outcome is everything a decision changes: the decided case, what becomes of its claims,
// the designation change and the register entries.
type Outcome struct {
	Case      Case
	Released  []string // held claims now payable
	Denied    []string // held claims never to be paid
	Recovered []string // paid or payable claims whose fund share is taken back
	// Partial is what an upcoding finding recovers of each of its claims: the overpayment,
	// not the whole fund share (FRAUD.md §5). Such a claim is otherwise paid: held, it is
	// released and the overpayment recovered.
	Partial     map[string]decimal.Decimal
	Designation *Designation
	Sanctions   []Sanction
	// LiftSuspension: a dismissal lifts the provider's payment suspension, once no other
	// case of the provider is undecided, and remembers the score it dismissed.
	LiftSuspension bool
	// Points are the practitioners' points ledger entries the findings assign; People the
	// qualification of each of them after the decision (filled by the caller, who reads
	// their ledgers), to publish.
	Points []PointsEntry
	People []PersonStatus
	// Reversals are an appeal's amendment's payments given back (FRAUD.md §9.5).
	Reversals *AppealChange
}

// BarYears is how long a confirmed fabricated service bars the provider.
const BarYears = 3

// Decide dismisses or confirms the case. claims holds the case's claims and every claim a
// finding names. On a dismissal every held claim of the case is released; on a confirmation
// the findings' held claims are denied and their paid ones recovered, and the case's other
// held claims are released. A claim another case already decided keeps that decision: a
// dismissal never releases a denied claim, and a finding may not recover a claim twice.
func (c Case) Decide(a Actor, at time.Time, dec Decision, claims map[string]ClaimPayment) (Outcome, error) {
	if a.Role != ActorInvestigator {
		return Outcome{}, fmt.Errorf("decide case %s: %w: only investigators decide", c.CaseID, ErrNotAllowed)
	}
	if err := c.mayDecide(at); err != nil {
		return Outcome{}, err
	}
	var out Outcome
	var err error
	switch dec.Decision {
	case DecisionDismiss:
		if len(dec.Findings) > 0 {
			return Outcome{}, fmt.Errorf("decide case %s: %w: a dismissal has no findings", c.CaseID, ErrInvalid)
		}
		out.LiftSuspension = true
	case DecisionConfirm:
		if out, err = c.confirm(at, dec.Findings, claims); err != nil {
			return Outcome{}, err
		}
	default:
		return Outcome{}, fmt.Errorf("decide case %s: %w: decision %q: want confirm or dismiss", c.CaseID, ErrInvalid, dec.Decision)
	}
	named := append(append(slices.Clone(out.Denied), out.Recovered...), out.Released...)
	for _, id := range c.ClaimIDs {
		if p, ok := claims[id]; ok && p.withheld() && !slices.Contains(named, id) {
			out.Released = append(out.Released, id)
		}
	}
	slices.Sort(out.Released)
	c.Decision, c.Findings = dec.Decision, out.Case.Findings
	out.Case = c.move(EventDecided, CaseDecided, a, at, dec.Note)
	return out, nil
}

// confirm prices each finding and derives the claims' fate, the designation and the register.
func (c Case) confirm(at time.Time, in []Finding, claims map[string]ClaimPayment) (Outcome, error) {
	if len(in) == 0 {
		return Outcome{}, fmt.Errorf("decide case %s: %w: a confirmation needs at least one finding", c.CaseID, ErrInvalid)
	}
	var out Outcome
	seen := map[string]bool{}
	for i, f := range in {
		priced, err := c.priceFinding(i, f, claims, seen)
		if err != nil {
			return Outcome{}, err
		}
		for _, id := range priced.ClaimIDs {
			if priced.Type == FindingUpcoding {
				if out.Partial == nil {
					out.Partial = map[string]decimal.Decimal{}
				}
				out.Recovered, out.Partial[id] = append(out.Recovered, id), upcodingRecovery(claims[id])
				continue
			}
			if claims[id].withheld() {
				out.Denied = append(out.Denied, id)
			} else {
				out.Recovered = append(out.Recovered, id)
			}
		}
		out.Case.Findings = append(out.Case.Findings, priced)
		out.Sanctions = append(out.Sanctions, c.sanctions(priced, at)...)
	}
	slices.Sort(out.Denied)
	slices.Sort(out.Recovered)
	out.Designation = designation(out.Case.Findings, at)
	out.Points = pointsOf(c.CaseID, at, out.Case.Findings)
	return out, nil
}

// priceFinding checks a finding and fills its article, recovery and fine range; the fine
// must lie in the range.
func (c Case) priceFinding(i int, f Finding, claims map[string]ClaimPayment, seen map[string]bool) (Finding, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("decide case %s: %w: finding %d: %s", c.CaseID, ErrInvalid, i+1, fmt.Sprintf(format, args...))
	}
	art, ok := findingArticles[f.Type]
	switch {
	case !ok:
		return f, bad("type %q: want one of %v", f.Type, FindingTypes())
	case len(f.ClaimIDs) == 0:
		return f, bad("name the claims it concerns")
	case f.SuspendMonths < 0 || f.SuspendMonths > 12:
		return f, bad("suspend_months %d: want 1 to 12", f.SuspendMonths)
	case f.Fine == nil:
		return f, bad("set the fine")
	}
	if err := checkPoints(f); err != nil {
		return f, bad("%v", err)
	}
	recovery := decimal.Zero
	for _, id := range f.ClaimIDs {
		p, ok := claims[id]
		if !ok {
			return f, bad("claim %s is not a claim of provider %s", id, c.ProviderID)
		}
		if seen[id] {
			return f, bad("claim %s is named by two findings", id)
		}
		if p.settled() {
			return f, fmt.Errorf("decide case %s: %w: finding %d: claim %s was already %s by case %s; a claim's money is taken back once",
				c.CaseID, ErrTransition, i+1, id, p.Decided, p.DecidedBy)
		}
		seen[id] = true
		if f.Type != FindingUpcoding {
			recovery = recovery.Add(p.FundToProvider)
			continue
		}
		if p.Overpayment == nil {
			return f, bad("claim %s has no unsupported_cc overpayment to recover: an upcoding finding names claims the rule flagged", id)
		}
		recovery = recovery.Add(upcodingRecovery(p))
	}
	lo, hi := recovery.Mul(fineFactors[art][0]).Round(2), recovery.Mul(fineFactors[art][1]).Round(2)
	if fine := f.Fine.Dec(); fine.LessThan(lo) || fine.GreaterThan(hi) {
		return f, bad("fine %s is outside %s–%s (%s× to %s× the recovery %s, %s)", f.Fine, lo.StringFixed(2), hi.StringFixed(2),
			fineFactors[art][0], fineFactors[art][1], recovery.StringFixed(2), art)
	}
	f.Article, f.Recovery, f.FineMin, f.FineMax = art, claim.M(recovery.Round(2)), claim.M(lo), claim.M(hi)
	f.ClaimIDs = slices.Sorted(slices.Values(f.ClaimIDs))
	if f.PractitionerIDs == nil {
		f.PractitionerIDs = []string{}
	}
	return f, nil
}

// upcodingRecovery is what an upcoding finding takes back of a claim: its unsupported_cc
// overpayment, never below zero nor above what the fund owes the provider for it.
func upcodingRecovery(p ClaimPayment) decimal.Decimal {
	return decimal.Min(decimal.Max(*p.Overpayment, decimal.Zero), p.FundToProvider)
}

// designation is the bar a confirmed fabricated service brings (terminated for three
// years), else the longest suspension a finding asks for, else none. Both run from the
// decision's calendar date in Asia/Shanghai (POLICY.md §9.30).
func designation(fs []Finding, at time.Time) *Designation {
	day := claim.Today(at)
	months := 0
	for _, f := range fs {
		if f.Type == FindingFabricated {
			return &Designation{Status: "terminated", Until: day.AddDate(BarYears, 0, 0), Reason: "confirmed " + FindingFabricated + " (Art. 40)"}
		}
		months = max(months, f.SuspendMonths)
	}
	if months == 0 {
		return nil
	}
	return &Designation{Status: "suspended", Until: day.AddDate(0, months, 0), Reason: fmt.Sprintf("suspended %d month(s) by a confirmed finding", months)}
}

// sanctions are the register entries of a finding: the provider and each practitioner.
func (c Case) sanctions(f Finding, at time.Time) []Sanction {
	var until *time.Time
	if d := designation([]Finding{f}, at); d != nil {
		until = &d.Until
	}
	out := []Sanction{{ProviderID: c.ProviderID, Finding: f.Type, Article: f.Article, CaseID: c.CaseID, DecidedAt: at, Until: until}}
	for _, p := range f.PractitionerIDs {
		out = append(out, Sanction{ProviderID: c.ProviderID, PractitionerID: p, Finding: f.Type, Article: f.Article, CaseID: c.CaseID,
			DecidedAt: at, Until: until})
	}
	return out
}
