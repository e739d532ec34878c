package settlement

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// PeriodClaim is a claim's current version of the period, or of an earlier period with a
// decision in this one.
type PeriodClaim struct {
	ProviderID string
	ClaimLine
	Capitation decimal.Decimal // the fund share recorded as capitation consumption
}

// CloseInput is everything a period close reads.
type CloseInput struct {
	Period        string    // YYYY-MM
	Month         time.Time // its first day
	PolicyVersion string
	Bundle        *policy.Bundle              // the version in force: schemes, members, signups, budgets, global budget
	Providers     map[string]*policy.Provider // as they stand (designation changes included)
	Claims        []PeriodClaim               // the period's claims (§9.25)
	Earlier       []PeriodClaim               // other periods' claims decided in this one
	YearActual    map[string]decimal.Decimal  // year end: the year's fund_to_provider (capitation excluded) of the other months
	YearDRGAdjust map[string]decimal.Decimal  // year end: the DRG adjustments of the year's other months
	Now           time.Time                   // a provider barred now has its payable claims withheld
}

// Document is a period's statement (CONTRACT.md).
type Document struct {
	Period        string        `json:"period"`
	Version       int           `json:"version"`
	ClosedAt      time.Time     `json:"closed_at"`
	PolicyVersion string        `json:"policy_version"`
	Regions       []RegionDoc   `json:"regions"`
	Providers     []ProviderDoc `json:"providers"`
}

// RegionDoc is a region's DRG point value.
type RegionDoc struct {
	Region        string        `json:"region"`
	Cases         int           `json:"cases"`
	Budget        *claim.Money  `json:"budget"`
	SumPoints     claim.Fixed4  `json:"sum_points"`
	SumMemberPays *claim.Money  `json:"sum_member_pays"`
	PointValue    *claim.Fixed4 `json:"point_value"`
}

// ProviderDoc is one provider's statement.
type ProviderDoc struct {
	ProviderID   string                  `json:"provider_id"`
	Claims       int                     `json:"claims"`
	ByMethod     map[string]*claim.Money `json:"fund_to_provider_by_method"`
	DRG          *DRGDoc                 `json:"drg,omitempty"`
	Capitation   *CapitationDoc          `json:"capitation,omitempty"`
	Withheld     *claim.Money            `json:"withheld"`
	Released     *claim.Money            `json:"released"`
	Recoveries   *claim.Money            `json:"recoveries"`
	GlobalBudget *GlobalDoc              `json:"global_budget,omitempty"`
	NetPayable   *claim.Money            `json:"net_payable"`
	ClaimList    []LineDoc               `json:"claim_list"`
}

// DRGDoc is a provider's point-method settlement.
type DRGDoc struct {
	Cases       int          `json:"cases"`
	Points      claim.Fixed4 `json:"points"`
	MemberPays  *claim.Money `json:"member_pays"`
	DRGPayment  *claim.Money `json:"drg_payment"`
	Provisional *claim.Money `json:"provisional"`
	Adjustment  *claim.Money `json:"adjustment"`
}

// CapitationDoc is a provider's capitation for the month.
type CapitationDoc struct {
	Heads       map[string]int `json:"heads"`
	Amount      *claim.Money   `json:"amount"`
	Consumption *claim.Money   `json:"consumption"`
}

// GlobalDoc is the year-end global-budget outcome.
type GlobalDoc struct {
	Year       int          `json:"year"`
	Budget     *claim.Money `json:"budget"`
	Actual     *claim.Money `json:"actual"`
	Final      *claim.Money `json:"final"`
	Adjustment *claim.Money `json:"adjustment"`
}

// LineDoc is a claim on a statement.
type LineDoc struct {
	ClaimID        string       `json:"claim_id"`
	Method         string       `json:"method"`
	FundToProvider *claim.Money `json:"fund_to_provider"`
	PaymentStatus  string       `json:"payment_status"`
	Recovered      *claim.Money `json:"recovered,omitempty"` // what a recovery takes back (an upcoding finding: the overpayment)
}

func m(d decimal.Decimal) *claim.Money { return claim.M(d.Round(2)) }

// Close computes a period's statement (without version and closing time, which storing it
// gives): the regions' point values, then every provider with claims, decisions or heads.
func Close(in CloseInput) Document {
	doc := Document{Period: in.Period, PolicyVersion: in.PolicyVersion, Regions: []RegionDoc{}, Providers: []ProviderDoc{}}
	drg := in.regions(&doc)
	heads := Heads(in.Month, in.Bundle.Members, in.Providers, in.Bundle.Signups)
	byProvider, earlier := group(in.Claims), group(in.Earlier)
	ids := map[string]bool{}
	for _, set := range []map[string][]ClaimLine{byProvider, earlier} {
		for id := range set {
			ids[id] = true
		}
	}
	for id := range heads {
		ids[id] = true
	}
	for _, id := range in.yearBudgeted() {
		ids[id] = true
	}
	for _, id := range sortedIDs(ids) {
		doc.Providers = append(doc.Providers, in.provider(id, byProvider[id], earlier[id], drg[id], heads[id]))
	}
	return doc
}

func (in CloseInput) regions(doc *Document) map[string]ProviderDRG {
	pools := map[string][]DRGClaim{}
	for _, c := range in.Claims {
		if c.Method != "drg" || c.Decision == Denied {
			continue
		}
		region := ""
		if p := in.Providers[c.ProviderID]; p != nil {
			region = p.Region
		}
		pools[region] = append(pools[region], DRGClaim{ProviderID: c.ProviderID, Points: c.Points, MemberPays: c.MemberPays, FundToProvider: c.FundToProvider})
	}
	out := map[string]ProviderDRG{}
	for _, region := range sortedIDs(keysOf(pools)) {
		r, per := PointMethod(region, in.budget("drg_region", region, in.Period), pools[region])
		rd := RegionDoc{Region: region, Cases: r.Cases, SumPoints: claim.Fixed4{Decimal: r.SumPoints}, SumMemberPays: m(r.SumMemberPays)}
		if r.Budget != nil {
			rd.Budget = m(*r.Budget)
		}
		if r.PointValue != nil {
			rd.PointValue = &claim.Fixed4{Decimal: *r.PointValue}
		}
		doc.Regions = append(doc.Regions, rd)
		for id, p := range per {
			out[id] = p
		}
	}
	return out
}

// yearBudgeted lists, in a December close, every provider with a provider_year budget for
// the year: its global-budget settlement is due whether it had claims this month or not.
func (in CloseInput) yearBudgeted() []string {
	var out []string
	if in.Month.Month() != time.December {
		return nil
	}
	for _, b := range in.Bundle.Budgets {
		if b.Kind == "provider_year" && b.Period == in.Period[:4] {
			out = append(out, b.Key)
		}
	}
	return out
}

func (in CloseInput) budget(kind, key, period string) *decimal.Decimal {
	for _, b := range in.Bundle.Budgets {
		if b.Kind == kind && b.Key == key && b.Period == period {
			v := b.Amount
			return &v
		}
	}
	return nil
}

func (in CloseInput) provider(id string, claims, earlier []ClaimLine, drg ProviderDRG, heads map[string]int) ProviderDoc {
	p := in.Providers[id]
	pin := ProviderInput{ProviderID: id, Claims: claims, Earlier: earlier, Capitation: CapitationAmount(heads, in.Bundle.Schemes),
		Barred: p != nil && p.StatusOn(claim.Today(in.Now)) == policy.Banned}
	if drg.Cases > 0 {
		pin.DRG = &drg
	}
	var global *GlobalDoc
	if in.Month.Month() == time.December {
		if b := in.budget("provider_year", id, in.Period[:4]); b != nil {
			actual := in.YearActual[id].Add(in.YearDRGAdjust[id]).Add(drg.Adjustment)
			for _, c := range claims {
				if st := lineStatus(c, false); c.Method != "capitation" && (st == Payable || st == Recovered || st == Released) {
					actual = actual.Add(c.FundToProvider)
				}
			}
			o := GlobalBudget(*b, actual, in.Bundle.GlobalBudget)
			pin.Global = &o
			global = &GlobalDoc{Year: in.Month.Year(), Budget: m(o.Budget), Actual: m(o.Actual), Final: m(o.Final), Adjustment: m(o.Adjustment)}
		}
	}
	st := Statement(pin)
	doc := ProviderDoc{ProviderID: id, Claims: st.Claims, ByMethod: map[string]*claim.Money{}, Withheld: m(st.Withheld), Released: m(st.Released),
		Recoveries: m(st.Recoveries), GlobalBudget: global, NetPayable: m(st.NetPayable), ClaimList: []LineDoc{}}
	for k, v := range st.ByMethod {
		doc.ByMethod[k] = m(v)
	}
	if pin.DRG != nil {
		doc.DRG = &DRGDoc{Cases: drg.Cases, Points: claim.Fixed4{Decimal: drg.Points}, MemberPays: m(drg.MemberPays), DRGPayment: m(drg.DRGPayment),
			Provisional: m(drg.Provisional), Adjustment: m(drg.Adjustment)}
	}
	if len(heads) > 0 || hasMethod(claims, "capitation") {
		consumption := decimal.Zero
		for _, c := range in.Claims {
			if c.ProviderID == id {
				consumption = consumption.Add(c.Capitation)
			}
		}
		doc.Capitation = &CapitationDoc{Heads: orHeads(heads), Amount: m(pin.Capitation), Consumption: m(consumption)}
	}
	for _, l := range st.Lines {
		ld := LineDoc{ClaimID: l.ClaimID, Method: l.Method, FundToProvider: m(l.FundToProvider), PaymentStatus: l.PaymentStatus}
		if l.Recovered != nil {
			ld.Recovered = m(*l.Recovered)
		}
		doc.ClaimList = append(doc.ClaimList, ld)
	}
	return doc
}

func orHeads(h map[string]int) map[string]int {
	if h == nil {
		return map[string]int{}
	}
	return h
}

func group(cs []PeriodClaim) map[string][]ClaimLine {
	out := map[string][]ClaimLine{}
	for _, c := range cs {
		out[c.ProviderID] = append(out[c.ProviderID], c.ClaimLine)
	}
	return out
}

func keysOf[V any](mp map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range mp {
		out[k] = true
	}
	return out
}

func sortedIDs(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
