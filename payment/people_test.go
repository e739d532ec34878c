package payment

import (
	"strings"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
)

// withPractitioner sets a practitioner on every line of a claim of edClaim's shape.
func withPractitioner(id string) func(map[string]any) {
	return func(c map[string]any) {
		for _, l := range c["lines"].([]any) {
			l.(map[string]any)["practitioner_id"] = id
		}
	}
}

// TestPractitionerQualification: D017 got 9 points on 2026-05-01 (suspended to 06-01,
// exclusive). A line D017 performed on 05-20 is refused at any provider (payable by
// nobody); one of 06-01 is paid; an emergency claim is paid with the reason noted; with a
// registry, a line by someone not registered at the provider carries
// practitioner_unregistered and is paid.
func TestPractitionerQualification(t *testing.T) {
	ledger := map[string][]fraud.PointsEntry{"D017": {{PractitionerID: "D017", At: time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC), Year: 2026,
		Points: 9, CaseID: "K1", Finding: 1, Kind: fraud.PointsAssigned}}}
	lines := func(date string) []el { return []el{{"SRV01", date, "1", "30.00"}, {"LAB02", date, "1", "180.00"}} }
	for _, c := range []struct {
		name           string
		sub            claim.Submission
		registry       string
		refused, codes string
	}{
		// 210.00 of lines by D017 inside the suspension: both refused, eligible 0.
		{"inside the suspension", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-05-20"), withPractitioner("D017")), "",
			"210.00", "practitioner_suspended practitioner_suspended"},
		{"on the end date", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-06-01"), withPractitioner("D017")), "", "0.00", ""},
		{"before the decision", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-04-30"), withPractitioner("D017")), "", "0.00", ""},
		{"an emergency claim", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-05-20"), withPractitioner("D017"), emergency), "",
			"0.00", "practitioner_suspended practitioner_suspended"},
		{"another person", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-05-20"), withPractitioner("P005")), "", "0.00", ""},
		// the sample registry has N002 at H1002 only.
		{"the sample registry", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-05-20"), withPractitioner("N002")), "", "0.00",
			"practitioner_unregistered practitioner_unregistered"},
		{"not registered at the provider", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-06-20"), withPractitioner("N002")),
			"N002,Sun Li,nurse,H2001", "0.00", "practitioner_unregistered practitioner_unregistered"},
		{"registered at the provider", edClaim("C1", "H3001", "M000002", dxK35, lines("2026-06-20"), withPractitioner("N002")),
			"N002,Sun Li,nurse,H2001|H3001", "0.00", ""},
	} {
		b := editBundle(t)
		if c.registry != "" {
			files := b.Files
			files["practitioners.csv"] = []byte("practitioner_id,name,role,provider_ids\n" + c.registry + "\n")
			b = reload(t, files)
		}
		book := newBook(b)
		book.Points = ledger
		r := book.Process(&c.sub, nil).Result
		var codes []string
		for _, x := range r.Reasons {
			if strings.HasPrefix(x.Code, "practitioner_") {
				codes = append(codes, x.Code)
			}
		}
		if r.Status == claim.StatusRejected || r.Refused.StringFixed(2) != c.refused || strings.Join(codes, " ") != c.codes {
			t.Errorf("%s: %s refused %s reasons %v", c.name, r.Status, r.Refused.StringFixed(2), r.Reasons)
		}
		checkEditedAmounts(t, r)
		if c.refused == "210.00" && !strings.Contains(r.Reasons[0].Message, "practitioner D017 is suspended until 2026-06-01") {
			t.Errorf("%s: the reason names neither the person nor the end: %s", c.name, r.Reasons[0].Message)
		}
	}
}

// TestOwnerBar: a provider whose owner's other provider is barred is rejected
// provider_banned on processing dates before the bar's end (exclusive), the message naming
// the owner, the barred provider and the date; from the end date it is paid.
func TestOwnerBar(t *testing.T) {
	b := editBundle(t)
	dir := BundleDirectory{Bundle: b}
	for _, c := range []struct {
		now  time.Time
		want string
	}{{time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), claim.StatusRejected}, {time.Date(2029, 11, 30, 15, 59, 0, 0, time.UTC), claim.StatusRejected},
		{time.Date(2029, 11, 30, 16, 0, 0, 0, time.UTC), claim.StatusAdjudicated}} { // 2029-12-01 00:00 in Beijing
		p := *b.Providers["H1001"]
		p.OwnerBar = &policy.OwnerBar{ProviderID: "H1002", Until: time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC)}
		book := NewBook(NewPolicies(b), ownerDir{dir, &p}, func() time.Time { return c.now })
		sub := edClaim("C1", "H1001", "M000009", dxK35, []el{{"SRV01", "2026-11-20", "1", "30.00"}})
		r := book.Process(&sub, nil).Result
		if r.Status != c.want || (c.want == claim.StatusRejected && !strings.Contains(r.Reasons[0].Message,
			"provider H1001 is refused until 2029-12-01: its owner O-150921-0042 also owns provider H1002, barred for fabricated services until 2029-12-01")) {
			t.Errorf("at %s: %s %v", c.now, r.Status, r.Reasons)
		}
	}
}

// ownerDir serves one provider as the store would, with its owner's bar.
type ownerDir struct {
	BundleDirectory
	p *policy.Provider
}

func (d ownerDir) Provider(id string) (*policy.Provider, bool) {
	if id == d.p.ID {
		return d.p, true
	}
	return d.BundleDirectory.Provider(id)
}
