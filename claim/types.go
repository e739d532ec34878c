// Package claim owns the claim, submission and adjudication-result shapes of CONTRACT.md:
// exact-decimal decoding and the claim-level validation of POLICY.md §2 and §9, the one id
// peeker for raw records, and CSV cells a spreadsheet will not run.
// It is pure: it never touches the database, the broker or the network.
package claim

import (
	"time"

	"github.com/shopspring/decimal"
)

// Care types, ward types and other enumerations of CONTRACT.md.
const (
	Inpatient  = "inpatient"
	Outpatient = "outpatient"

	KindClaim   = "claim"
	KindVoid    = "void"
	KindReplace = "replace"
)

var (
	careTypes        = set("inpatient", "outpatient")
	wardTypes        = set("general", "psychiatric", "rehabilitation", "hospice", "long_term_care")
	dischargeStatus  = set("home", "transfer", "against_advice", "death", "other")
	lineCategories   = set("bed", "nursing", "exam", "lab", "drug", "material", "procedure", "service", "tcm")
	crossRegionKinds = set("none", "registered", "unregistered")
	directions       = set("up", "down")
)

func set(v ...string) map[string]bool {
	m := make(map[string]bool, len(v))
	for _, s := range v {
		m[s] = true
	}
	return m
}

// Claim is one hospital claim (CONTRACT.md "Claim"). Zero dates mean absent.
type Claim struct {
	ClaimID         string
	ProviderID      string
	MemberID        string
	CareType        string
	WardType        string
	Admitted        time.Time
	Discharged      time.Time
	ServiceDate     time.Time
	Emergency       bool
	DischargeStatus string
	Diagnoses       []string
	Procedures      []string
	Newborn         *Newborn
	Dept            string
	Referral        *Referral
	CrossRegion     string
	Lines           []Line
	Total           decimal.Decimal

	hasTotal bool // total was present and well formed
}

// Line is one billed item of a claim.
type Line struct {
	LineNo         int
	ItemCode       string
	Category       string
	ServiceDate    time.Time
	Quantity       decimal.Decimal
	UnitPrice      decimal.Decimal
	Amount         decimal.Decimal
	PractitionerID string
	Hours          decimal.Decimal
	DaysSupply     int      // a drug line's days of supply (FRAUD.md §2.3); 0 when not given
	TraceCodes     []string // the traceability codes scanned at settlement, 20 digits each (FRAUD.md §8)

	hasQty, hasPrice, hasAmount bool // present and well formed
}

// Newborn carries the newborn facts used by DRG grouping; Has* tell which were given.
type Newborn struct {
	AgeDays        int
	HasAgeDays     bool
	BirthWeightG   int
	HasBirthWeight bool
}

// Referral is the referral a stay arrived with.
type Referral struct {
	FromProviderID string
	FromClaimID    string
	Direction      string
	Approved       bool
}

// ApprovedReferral reports whether the claim has a referral with approved: true
// (POLICY.md §9.13: an unapproved referral is the same as none).
func (c *Claim) ApprovedReferral() bool { return c.Referral != nil && c.Referral.Approved }

// IsInpatient reports whether the claim is an inpatient stay.
func (c *Claim) IsInpatient() bool { return c.CareType == Inpatient }

// KeyDate is the date that decides the accumulator year, policy version, enrolment and
// provider status: the discharge date for inpatient, the service date for outpatient.
func (c *Claim) KeyDate() time.Time {
	if c.IsInpatient() {
		return c.Discharged
	}
	return c.ServiceDate
}

// LOS is the length of stay in days, at least 1 (POLICY.md §9.10).
func (c *Claim) LOS() int {
	if c.Admitted.IsZero() || c.Discharged.IsZero() {
		return 1
	}
	d := int(c.Discharged.Sub(c.Admitted).Hours() / 24)
	if d < 1 {
		return 1
	}
	return d
}

// Submission is one message of claims.submitted.
type Submission struct {
	Kind    string
	BatchID string
	// Claim is the decoded claim; for a void only the ids are set.
	Claim Claim
	// Problems are the defects found while decoding; a submission with problems is rejected.
	Problems Problems
	// ContentHash identifies the claim's content: equal hashes mean JSON-value equality with
	// decimals compared numerically (POLICY.md §9.4).
	ContentHash string
	// Sent are the ids as sent, valid or not: a rejection echoes them so the sender can
	// match it, while the validated ids in Claim ("" when invalid) are what finds claims.
	Sent SentIDs
}

// SentIDs are a submission's claim ids exactly as sent.
type SentIDs struct {
	ClaimID, ProviderID, MemberID string
}

// Key returns the claim identity (provider_id, claim_id).
func (s *Submission) Key() Key { return Key{ProviderID: s.Claim.ProviderID, ClaimID: s.Claim.ClaimID} }

// Key identifies a claim across versions.
type Key struct {
	ProviderID string
	ClaimID    string
}

// Problems collects decoding defects: all missing fields form one reason, all
// malformed values another (POLICY.md §9a).
type Problems struct {
	Missing   []string
	Malformed []string
}

// Empty reports whether no defect was found.
func (p Problems) Empty() bool { return len(p.Missing) == 0 && len(p.Malformed) == 0 }
