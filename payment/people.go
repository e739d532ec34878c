package payment

import (
	"strconv"

	"medclaims/claim"
	"medclaims/fraud"
)

// personLine is a line its practitioner's standing concerns: refused (dated inside a
// suspension or termination), noted only (the same on an emergency claim), or unregistered.
type personLine struct {
	line    int // index
	reason  claim.Reason
	refused bool
}

// practitioners applies FRAUD.md §9 to the lines that name a practitioner: one dated inside
// the person's suspension or termination is refused whole (POLICY.md §10 refuse: payable by
// nobody) at every provider, except on an emergency claim, where the reason is only noted;
// where the bundle has a registry, one by a person not registered at the claim's provider
// carries practitioner_unregistered.
func (o *edited) practitioners(in Input) {
	c, reg := in.Claim, in.Bundle.Practitioners
	if len(in.People) == 0 && reg == nil {
		return
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.PractitionerID == "" {
			continue
		}
		if reg != nil {
			if p := reg[l.PractitionerID]; p == nil || !p.RegisteredAt(c.ProviderID) {
				o.people = append(o.people, personLine{line: i, reason: claim.Reason{Code: claim.ReasonPractitionerUnregistered,
					Message: "line " + strconv.Itoa(l.LineNo) + ": practitioner " + l.PractitionerID + " is not registered at provider " + c.ProviderID}})
			}
		}
		if per, barred := in.People[l.PractitionerID].Barring(l.ServiceDate); barred {
			o.barred(in, i, per)
		}
	}
}

// barred refuses line i (or, on an emergency claim, notes it) for its practitioner's period.
func (o *edited) barred(in Input, i int, per fraud.Period) {
	l := &in.Claim.Lines[i]
	msg := "line " + strconv.Itoa(l.LineNo) + ": practitioner " + l.PractitionerID + " is " + per.Status + " until " +
		claim.FormatDate(per.Until) + " (医保支付资格)"
	if in.Claim.Emergency {
		o.people = append(o.people, personLine{line: i, reason: claim.Reason{Code: claim.ReasonPractitionerSuspended,
			Message: msg + "; an emergency claim: paid"}})
		return
	}
	o.take(len(in.Claim.Lines))
	o.taken[i].whole, o.taken[i].x = true, l.Amount
	o.refused = o.refused.Add(l.Amount)
	o.people = append(o.people, personLine{line: i, refused: true, reason: claim.Reason{Code: claim.ReasonPractitionerSuspended,
		Message: msg + ": refused " + money(l.Amount) + " (payable by nobody)"}})
}

// explainPeople gives each concerned line its reason, and each refused one a step.
func explainPeople(o edited, in Input, ex *explainer) []claim.Reason {
	var out []claim.Reason
	for _, p := range o.people {
		out = append(out, p.reason)
		if p.refused {
			ex.add("practitioner", p.reason.Message, in.Claim.Lines[p.line].Amount)
		}
	}
	return out
}
