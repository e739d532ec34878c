package settlement

import (
	"sort"

	"github.com/shopspring/decimal"
)

// Payment states of a claim in a statement (CONTRACT.md payment_status).
const (
	Payable   = "payable"
	Held      = "held"
	Released  = "released"
	Denied    = "denied"
	Recovered = "recovered"
)

// ClaimLine is a claim's current version as a statement needs it.
type ClaimLine struct {
	ClaimID        string
	Method         string // drg, disease, bed_day, capitation, ffs
	Held           bool   // held by the fraud stage at adjudication
	FundToProvider decimal.Decimal
	MemberPays     decimal.Decimal
	Points         decimal.Decimal // drg claims
	// Decision is what a case decision made of its payment ("", released, denied,
	// recovered), and InPeriod whether that decision falls in the period being closed.
	Decision string
	InPeriod bool
	// Recovery is what a recovery takes back when it is not the whole fund share (an
	// upcoding finding's overpayment, FRAUD.md §5); nil for a whole recovery. A held claim
	// with such a recovery is released and the recovery deducted.
	Recovery *decimal.Decimal
}

// recovered is what a recovery of the claim takes back.
func (c ClaimLine) recovered() decimal.Decimal {
	if c.Recovery != nil {
		return *c.Recovery
	}
	return c.FundToProvider
}

// ProviderInput is one provider's period: its claims of the period (POLICY.md §9.25), the
// earlier periods' claims a decision of this period released or recovered, its DRG and
// capitation settlement, whether it is barred, and its global-budget outcome (year end).
type ProviderInput struct {
	ProviderID string
	Claims     []ClaimLine
	Earlier    []ClaimLine // claims of earlier periods whose decision falls in this one
	DRG        *ProviderDRG
	Capitation decimal.Decimal // heads × per-head amount
	Barred     bool            // a barred provider's unsettled claims are withheld
	Global     *GlobalOutcome
}

// StatementLine is a claim on the statement.
type StatementLine struct {
	ClaimID        string          `json:"claim_id"`
	Method         string          `json:"method"`
	FundToProvider decimal.Decimal `json:"fund_to_provider"`
	PaymentStatus  string          `json:"payment_status"`
	// Recovered is what a recovery takes back of the claim (nil when none).
	Recovered *decimal.Decimal `json:"recovered,omitempty"`
}

// ProviderStatement is the money of a provider's statement (CONTRACT.md): payable per
// method, withheld, released, recoveries, adjustments and the net.
type ProviderStatement struct {
	ProviderID string
	Claims     int
	ByMethod   map[string]decimal.Decimal // fund_to_provider of payable claims (a capitation visit's is 0.00)
	Capitation decimal.Decimal            // heads × per-head amount, paid in place of the visits' zero
	Withheld   decimal.Decimal
	Released   decimal.Decimal
	Recoveries decimal.Decimal
	DRGAdjust  decimal.Decimal
	GlobalAdj  decimal.Decimal
	NetPayable decimal.Decimal
	Lines      []StatementLine
}

// Statement settles one provider's period. net_payable = Σ fund_to_provider of payable
// claims + adjustments + released − recoveries, with capitation's per-head amount in place
// of its claims' zero (POLICY.md §7). A held claim is withheld until a dismissal releases it
// (paid in the period of the release); a denied one is never paid; a recovery is deducted
// in the period of its decision; a barred provider's payable claims are withheld.
func Statement(in ProviderInput) ProviderStatement {
	st := ProviderStatement{ProviderID: in.ProviderID, Claims: len(in.Claims), ByMethod: map[string]decimal.Decimal{}}
	for _, c := range in.Claims {
		status := lineStatus(c, in.Barred)
		switch {
		case status == Payable, status == Recovered && !c.Held:
			st.ByMethod[c.Method] = st.ByMethod[c.Method].Add(c.FundToProvider)
		case status == Held:
			st.Withheld = st.Withheld.Add(c.FundToProvider)
		}
		st.addDecided(c)
		line := StatementLine{ClaimID: c.ClaimID, Method: c.Method, FundToProvider: c.FundToProvider, PaymentStatus: status}
		if status == Recovered {
			r := c.recovered()
			line.Recovered = &r
		}
		st.Lines = append(st.Lines, line)
	}
	for _, c := range in.Earlier {
		st.addDecided(c)
	}
	if !in.Capitation.IsZero() || hasMethod(in.Claims, "capitation") {
		st.ByMethod["capitation"] = st.ByMethod["capitation"].Add(decimal.Zero)
		st.Capitation = in.Capitation
	}
	if in.DRG != nil {
		st.DRGAdjust = in.DRG.Adjustment
	}
	if in.Global != nil {
		st.GlobalAdj = in.Global.Adjustment
	}
	net := st.DRGAdjust.Add(st.GlobalAdj).Add(st.Capitation).Add(st.Released).Sub(st.Recoveries)
	for _, m := range sortedKeys(st.ByMethod) {
		net = net.Add(st.ByMethod[m])
	}
	st.NetPayable = net
	sort.Slice(st.Lines, func(i, j int) bool { return st.Lines[i].ClaimID < st.Lines[j].ClaimID })
	return st
}

// lineStatus is a claim's payment state on this period's statement.
func lineStatus(c ClaimLine, barred bool) string {
	switch {
	case c.Decision == Denied:
		return Denied
	case c.Decision == Recovered:
		return Recovered // paid with its period (held: on its release); the recovery is deducted in its decision's period
	case c.Held && c.Decision == Released:
		return Released
	case c.Held, barred:
		return Held
	}
	return Payable
}

// addDecided counts a decision that falls in this period: a release paid now, a recovery
// deducted now.
func (st *ProviderStatement) addDecided(c ClaimLine) {
	if !c.InPeriod {
		return
	}
	switch c.Decision {
	case Released:
		st.Released = st.Released.Add(c.FundToProvider)
	case Recovered:
		if c.Held { // an overpayment recovered of a held claim: the claim is released, less the recovery
			st.Released = st.Released.Add(c.FundToProvider)
		}
		st.Recoveries = st.Recoveries.Add(c.recovered())
	}
}

func hasMethod(cs []ClaimLine, m string) bool {
	for _, c := range cs {
		if c.Method == m {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]decimal.Decimal) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
