// Package policy owns the policy bundle of CONTRACT.md: its types, loading policy.json and
// the CSV files, and validating the bundle as a whole (every error with file, line and
// column); the one rule for which version is in force on a date (InForce) and a provider's
// standing on a date. It is pure: it reads files it is given and never touches the database.
package policy

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Bundle is one loaded, validated policy version with its reference data.
type Bundle struct {
	Version                   string
	EffectiveFrom             time.Time
	Region                    string
	Grouper                   string
	Schemes                   map[string]*Scheme
	ReadmissionReduction      decimal.Decimal
	ReferralRequiredFromLevel int
	UnreferredDelta           decimal.Decimal
	UnreferredNoBasic         bool
	CrossRegionDelta          map[string]decimal.Decimal
	PovertyDelta              decimal.Decimal
	Poverty                   Poverty
	Assistance                map[string]AssistanceRule
	MaxCoverage               *decimal.Decimal // nil: no combined ceiling
	DRG                       DRGParams
	BedDay                    map[string]BedDayRule
	GlobalBudget              GlobalBudget
	Fraud                     FraudParams

	Catalogue   map[string]Item
	DRGWeights  map[string]DRGWeight
	DiseaseFees []DiseaseFee
	Providers   map[string]*Provider
	Members     map[string]*Member
	Signups     []Signup
	Budgets     []Budget
	Edits       []Edit // the line edits of edits.csv, in file order (POLICY.md §10)
	// CCEvidence is cc_evidence.csv (FRAUD.md §8): what a claim's lines must show for a
	// secondary diagnosis counted as CC or MCC; nil without the file.
	CCEvidence []CCEvidence
	// Practitioners is the registry of practitioners.csv (FRAUD.md §9); nil without the file.
	Practitioners map[string]*Practitioner

	diseaseIndex map[diseaseKey]int  // (principal, main procedure or "", level) → DiseaseFees index
	signupIndex  map[string][]Signup // member → signups
	editIndex    *editIndex          // item → edits in test order

	// Files holds the bundle's files as read, so the bundle can be stored and reloaded.
	Files map[string][]byte
	// Hash identifies the bundle's content (sha256 over file names and bytes).
	Hash string
}

// OwnerBar is a bar on another provider of the same owner.
type OwnerBar struct {
	ProviderID string
	Until      time.Time // exclusive, like banned_until
}

// Scheme holds the parameters of one insurance scheme (resident, employee).
type Scheme struct {
	Inpatient              *CareRule
	Outpatient             *CareRule
	Critical               *CriticalRule
	DRGBaseRate            map[int]decimal.Decimal
	CapitationPerHeadMonth *decimal.Decimal
}

// CareRule is the pooling rule for one care type.
type CareRule struct {
	AnnualCap *decimal.Decimal // nil: uncapped
	Levels    map[int]*LevelRule
}

// LevelRule is the deductible and ratio bands at one provider level.
type LevelRule struct {
	Deductible decimal.Decimal
	Bands      []Band
}

// Band is one ratio band; UpTo nil means unbounded.
type Band struct {
	UpTo  *decimal.Decimal
	Ratio decimal.Decimal
}

// CriticalRule is the critical-illness insurance layer.
type CriticalRule struct {
	Threshold decimal.Decimal
	Ratio     decimal.Decimal
	AnnualCap *decimal.Decimal
}

// Poverty holds the adjustments for poverty-registered members.
type Poverty struct {
	CriticalThresholdFactor          decimal.Decimal
	CriticalRatioDelta               decimal.Decimal
	CriticalUncapped                 bool
	ReadmissionSameLevelNoDeductible bool
}

// AssistanceRule is the medical-assistance layer of one category.
type AssistanceRule struct {
	Ratio     decimal.Decimal
	AnnualCap *decimal.Decimal
}

// DRGParams are the DRG pricing parameters.
type DRGParams struct {
	MinLOSDays  int
	MaxLOSDays  int
	LowOutlier  decimal.Decimal
	HighOutlier []HighOutlierBand
}

// HighOutlierBand gives the high-outlier threshold factor for RW up to RWUpTo.
type HighOutlierBand struct {
	RWUpTo    *decimal.Decimal
	Threshold decimal.Decimal
}

// BedDayRule prices per-bed-day stays of one ward type.
type BedDayRule struct {
	Bands      []BedDayBand
	MaxPerStay *decimal.Decimal
}

// BedDayBand is a daily rate up to a stay day (nil: unbounded).
type BedDayBand struct {
	ToDay *int
	Rate  decimal.Decimal
}

// GlobalBudget holds the year-end global-budget parameters.
type GlobalBudget struct {
	RetentionRatio decimal.Decimal
	RetentionCap   decimal.Decimal
	OverspendBand  decimal.Decimal
	OverspendShare decimal.Decimal
}

// FraudParams are the fraud stage's parameters (FRAUD.md §4) as the bundle gives them: nil
// or absent means the fraud package's default.
type FraudParams struct {
	FlagScore, HoldScore     *decimal.Decimal
	WindowDays, ResponseDays int // 0: default
	Rules                    map[string]FraudRuleParams
	People                   PeopleParams
}

// FraudRuleParams are one rule's parameters: Enabled nil means on; Values holds the
// numeric keys (weight, days, min_members, …) by name.
type FraudRuleParams struct {
	Enabled *bool
	Values  map[string]decimal.Decimal
}

// Kinds of fraud rule parameters, as Options.FraudRules names them.
const (
	FraudWeight  = "weight"  // a ratio 0..1
	FraudInt     = "int"     // a whole number ≥ 1
	FraudDecimal = "decimal" // a decimal > 0
)

// Item is a catalogue entry.
type Item struct {
	Code          string
	Name          string
	Category      string
	Class         string
	EligibleRatio decimal.Decimal
	MaxUnitPrice  *decimal.Decimal
	MaxDailyQty   *decimal.Decimal
	HoursPerUnit  *decimal.Decimal
	PackUnits     int // units a box holds when sold split (拆零, FRAUD.md §8); 0 when not given
	// RatioText is EligibleRatio as text, for explanations.
	RatioText string
}

// DRGWeight is the relative weight and averages of a DRG.
type DRGWeight struct {
	DRG     string
	RW      decimal.Decimal
	AvgCost decimal.Decimal
	AvgLOS  decimal.Decimal
}

// DiseaseFee is a per-disease fee; an empty MainProcedure matches any procedure.
type DiseaseFee struct {
	PrincipalDx   string
	MainProcedure string
	Level         int
	Fee           decimal.Decimal
}

// Provider designation statuses.
const (
	Designated = "designated"
	Suspended  = "suspended"
	Terminated = "terminated"
	Applicant  = "applicant"
)

// Provider is a designated medical institution.
type Provider struct {
	ID         string
	Name       string
	Level      int
	Region     string
	Beds       int
	AllianceID string
	OwnerID    string // 举办人 / legal representative (FRAUD.md §9); "" when not given
	// OwnerBar is fraud state, not the bundle's: another provider of the same owner barred
	// for fabricated services, recorded when it was decided (FRAUD.md §9).
	OwnerBar            *OwnerBar
	Methods             map[string]bool
	HospitalCoefficient decimal.Decimal
	Status              string
	BannedUntil         time.Time // zero: none
	// PaymentSuspended is fraud state, not the bundle's: the provider's score reached
	// hold_score (暂停拨付), so its claims are held (FRAUD.md §3).
	PaymentSuspended bool
	// MethodNames lists the contracted methods as text, for explanations (see SetMethods).
	MethodNames string
}

// SetMethods sets the contracted payment methods and their text.
func (p *Provider) SetMethods(ms []string) {
	p.Methods = make(map[string]bool, len(ms))
	var names []string
	for _, m := range []string{"drg", "disease", "bed_day", "capitation", "ffs"} {
		for _, x := range ms {
			if x == m && !p.Methods[m] {
				p.Methods[m] = true
				names = append(names, m)
			}
		}
	}
	p.MethodNames = strings.Join(names, ", ")
	if p.MethodNames == "" {
		p.MethodNames = "no method"
	}
}

// Member is an insured person.
type Member struct {
	ID                string
	Scheme            string
	Region            string
	BirthDate         time.Time
	Sex               string
	DeathDate         time.Time // zero: alive
	PovertyRegistered bool
	Assistance        string // none | low_income | extreme_poverty
	EnrolledFrom      time.Time
	EnrolledTo        time.Time
}

// Signup is a primary-care signup for capitation (dates inclusive; zero To is open).
type Signup struct {
	MemberID   string
	ProviderID string
	From       time.Time
	To         time.Time
}

// Budget is a budget line (drg_region or provider_year).
type Budget struct {
	Kind   string
	Key    string
	Period string
	Amount decimal.Decimal
}

// Designation outcomes of a provider on a date (POLICY.md §9.7, §9b).
const (
	Allowed       = ""
	Banned        = "banned"
	NotDesignated = "not_designated"
)

// StandingOn is the designation status to show on date (POLICY.md §8, §9.7): a terminated
// provider whose bar has run its course is an applicant (it may re-apply; it is never
// designated again by itself).
func (p *Provider) StandingOn(date time.Time) string {
	if p.Status == Terminated && !p.BannedUntil.IsZero() && !date.Before(p.BannedUntil) {
		return Applicant
	}
	return p.Status
}

// StatusOn tells whether the provider may be paid for care on date: Allowed, Banned or
// NotDesignated.
func (p *Provider) StatusOn(date time.Time) string {
	switch p.Status {
	case Designated:
		return Allowed
	case Terminated:
		if p.BannedUntil.IsZero() || date.Before(p.BannedUntil) {
			return Banned
		}
		return NotDesignated // past the bar: an applicant, not designated again by itself
	case Suspended:
		if p.BannedUntil.IsZero() || date.Before(p.BannedUntil) {
			return NotDesignated
		}
		return Allowed
	default:
		return NotDesignated
	}
}

// EnrolledOn reports whether date lies within the member's enrolment (open ends allowed).
func (m *Member) EnrolledOn(date time.Time) bool {
	if !m.EnrolledFrom.IsZero() && date.Before(m.EnrolledFrom) {
		return false
	}
	if !m.EnrolledTo.IsZero() && date.After(m.EnrolledTo) {
		return false
	}
	return true
}

type diseaseKey struct {
	dx, proc string
	level    int
}

// DiseaseFeeFor finds the per-disease fee of (principal diagnosis, main procedure, level):
// a row with the exact main procedure wins over an any-procedure row (POLICY.md §9.23).
func (b *Bundle) DiseaseFeeFor(dx, mainProc string, level int) (DiseaseFee, bool) {
	if dx == "" {
		return DiseaseFee{}, false
	}
	if b.diseaseIndex == nil { // a bundle not built by the loader: scan
		var anyRow *DiseaseFee
		for i, f := range b.DiseaseFees {
			if f.PrincipalDx == dx && f.Level == level {
				if f.MainProcedure != "" && f.MainProcedure == mainProc {
					return f, true
				}
				if f.MainProcedure == "" {
					anyRow = &b.DiseaseFees[i]
				}
			}
		}
		if anyRow != nil {
			return *anyRow, true
		}
		return DiseaseFee{}, false
	}
	if mainProc != "" {
		if i, ok := b.diseaseIndex[diseaseKey{dx, mainProc, level}]; ok {
			return b.DiseaseFees[i], true
		}
	}
	if i, ok := b.diseaseIndex[diseaseKey{dx, "", level}]; ok {
		return b.DiseaseFees[i], true
	}
	return DiseaseFee{}, false
}

// index builds the lookup indexes; the loader calls it once, before the bundle is shared.
func (b *Bundle) index() {
	b.diseaseIndex = make(map[diseaseKey]int, len(b.DiseaseFees))
	for i, f := range b.DiseaseFees {
		b.diseaseIndex[diseaseKey{f.PrincipalDx, f.MainProcedure, f.Level}] = i
	}
	b.editIndex = newEditIndex(b.Edits)
	b.signupIndex = map[string][]Signup{}
	for _, s := range b.Signups {
		b.signupIndex[s.MemberID] = append(b.signupIndex[s.MemberID], s)
	}
}

// SignupOn returns the member's signup with the provider that covers date, if any.
func (b *Bundle) SignupOn(memberID, providerID string, date time.Time) (Signup, bool) {
	if b.signupIndex == nil { // a bundle not built by the loader: no index
		return FindSignup(b.Signups, memberID, providerID, date)
	}
	return FindSignup(b.signupIndex[memberID], memberID, providerID, date)
}

// FindSignup returns the signup of the member with the provider covering date (inclusive).
func FindSignup(signups []Signup, memberID, providerID string, date time.Time) (Signup, bool) {
	for _, s := range signups {
		if s.MemberID == memberID && s.ProviderID == providerID && !date.Before(s.From) && (s.To.IsZero() || !date.After(s.To)) {
			return s, true
		}
	}
	return Signup{}, false
}

// HighOutlierThreshold returns T(RW): the threshold of the first band whose rw_up_to is
// null or at least rw.
func (d *DRGParams) HighOutlierThreshold(rw decimal.Decimal) (decimal.Decimal, bool) {
	for _, h := range d.HighOutlier {
		if h.RWUpTo == nil || !rw.GreaterThan(*h.RWUpTo) {
			return h.Threshold, true
		}
	}
	return decimal.Zero, false
}
