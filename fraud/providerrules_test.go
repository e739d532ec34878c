package fraud

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

func evalProvider(prov *policy.Provider, claims []*Fact, peers ...Peer) ProviderResult {
	if peers == nil {
		peers = []Peer{{Provider: prov, Claims: claims}}
	}
	return EvaluateProvider(NewParams(policy.FraudParams{}), ProviderInput{Provider: prov, Claims: claims, Peers: peers})
}

func firedP(r ProviderResult, rule string) *Hit {
	for i := range r.Hits {
		if r.Hits[i].Rule == rule {
			return &r.Hits[i]
		}
	}
	return nil
}

// stays makes n stays of distinct members with the same dates.
func stays(provider string, n int, admitted, discharged string, lines ...line) []*Fact {
	var out []*Fact
	for i := range n {
		out = append(out, stay(provider, fmt.Sprintf("%s-%s-%d", provider, admitted, i), fmt.Sprintf("M%03d", i), admitted, discharged, "K35.800", lines...))
	}
	return out
}

func TestProviderRules(t *testing.T) {
	small := &policy.Provider{ID: "H1", Beds: 3, Level: 1, Region: "R"}
	cases := []struct {
		name     string
		claims   []*Fact
		rule     string
		fires    bool
		evidence []string
	}{
		{"census above beds", append(stays("H1", 2, "2026-03-01", "2026-03-05"), stays("H1", 2, "2026-03-03", "2026-03-06")...), CensusOverBeds, true,
			[]string{`"beds":3`, `"peak_census":4`, `"days_over_beds":2`, `{"census":4,"date":"2026-03-03"}`}},
		{"a busy but full ward", append(stays("H1", 2, "2026-03-01", "2026-03-05"), stays("H1", 1, "2026-03-03", "2026-03-06")...), CensusOverBeds, false, nil},
		{"discharge day frees the bed", append(stays("H1", 3, "2026-03-01", "2026-03-05"), stays("H1", 1, "2026-03-05", "2026-03-08")...), CensusOverBeds, false, nil},

		{"group admission of 8 members", stays("H1", 8, "2026-03-01", "2026-03-02"), GroupAdmission, true,
			[]string{`"members":8`, `"admitted":"2026-03-01","claims"`}},
		{"7 members is not a group", stays("H1", 7, "2026-03-01", "2026-03-02"), GroupAdmission, false, nil},

		{"cloned claims of 5 members within 30 days", func() []*Fact {
			var out []*Fact
			for i := range 5 {
				out = append(out, visit("H1", fmt.Sprintf("V%d", i), fmt.Sprintf("M%d", i), fmt.Sprintf("2026-03-%02d", 1+i*6),
					line{"LAB01", fmt.Sprintf("2026-03-%02d", 1+i*6), "2", ""}, line{"DRG01", fmt.Sprintf("2026-03-%02d", 1+i*6), "1", ""}))
			}
			return out
		}(), ClonedClaims, true, []string{`"members":5`, `"fingerprint":"DRG01×1=10|LAB01×2=20"`, `"from":"2026-03-01","members":5,"to":"2026-03-25"`}},
		{"the same lines spread over two months", func() []*Fact {
			var out []*Fact
			for i := range 5 {
				on := day("2026-01-01").AddDate(0, 0, i*12).Format("2006-01-02")
				out = append(out, visit("H1", fmt.Sprintf("V%d", i), fmt.Sprintf("M%d", i), on, line{"LAB01", on, "2", ""}))
			}
			return out
		}(), ClonedClaims, false, nil},

		{"a practitioner over 24 hours", []*Fact{
			visit("H1", "A", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "2", "D7"}),
			visit("H1", "B", "M2", "2026-03-01", line{"NUR09", "2026-03-01", "1", "D7"}, line{"SRV01", "2026-03-01", "1", "D7"}),
		}, PractitionerOver24h, true, []string{`"practitioner_id":"D7"`, `"hours":"24.5"`}},
		{"a practitioner at exactly 24 hours", []*Fact{
			visit("H1", "A", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "2", "D7"}),
			visit("H1", "B", "M2", "2026-03-01", line{"NUR09", "2026-03-01", "1", "D7"}),
		}, PractitionerOver24h, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := evalProvider(small, tc.claims)
			h := firedP(r, tc.rule)
			if (h != nil) != tc.fires {
				t.Fatalf("%s fired %v, want %v (%v)", tc.rule, h != nil, tc.fires, r.Hits)
			}
			if h != nil {
				ev := evidence(t, h)
				for _, want := range tc.evidence {
					if !strings.Contains(ev, want) {
						t.Errorf("evidence %s lacks %s", ev, want)
					}
				}
			}
		})
	}
}

// TestWindow: provider rules see the window_days up to the provider's latest claim.
func TestWindow(t *testing.T) {
	p := &policy.Provider{ID: "H1", Beds: 3}
	old := stays("H1", 8, "2025-10-01", "2025-10-02")
	recent := stays("H1", 1, "2026-03-01", "2026-03-02")
	r := evalProvider(p, append(old, recent...))
	if firedP(r, GroupAdmission) != nil || r.Claims != 1 || r.WindowFrom.Format("2006-01-02") != "2025-12-03" {
		t.Errorf("claims in window %d from %s, hits %v", r.Claims, r.WindowFrom, r.Hits)
	}
}

// TestPeerOutlier: cost per case within a DRG and cases per bed above Q3 + 1.5 × IQR of
// the peers fire, with the quartiles and every peer's value in the evidence.
func TestPeerOutlier(t *testing.T) {
	mk := func(id string, beds, cases int, cost string) Peer {
		prov := &policy.Provider{ID: id, Beds: beds, Level: 2, Region: "R"}
		var cs []*Fact
		for i := range cases {
			f := stay(id, fmt.Sprintf("%s-%d", id, i), fmt.Sprintf("%s-M%d", id, i), "2026-03-01", "2026-03-04", "K35.800")
			f.DRG, f.Total = "GB25", d(cost)
			cs = append(cs, f)
		}
		return Peer{Provider: prov, Claims: cs}
	}
	peers := []Peer{mk("P1", 10, 5, "1000"), mk("P2", 10, 5, "1100"), mk("P3", 10, 6, "1200"), mk("P4", 10, 5, "1300"), mk("X", 10, 20, "5000")}
	r := EvaluateProvider(NewParams(policy.FraudParams{}), ProviderInput{Provider: peers[4].Provider, Claims: peers[4].Claims, Peers: peers})
	h := firedP(r, PeerOutlier)
	if h == nil {
		t.Fatalf("no peer outlier: %v", r.Hits)
	}
	ev := evidence(t, h)
	// cost per case 1000, 1100, 1200, 1300, 5000: Q1 1100, Q3 1300, fence 1300 + 1.5 × 200 = 1600.
	for _, want := range []string{`"metric":"cost_per_case"`, `"drg":"GB25"`, `"q1":"1100"`, `"q3":"1300"`, `"fence":"1600"`, `"value":"5000"`,
		`"metric":"cases_per_bed"`, `"P3":"0.6"`} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence %s lacks %s", ev, want)
		}
	}
	// A normal peer does not fire, nor does anyone among fewer than 4 peers.
	if r := EvaluateProvider(NewParams(policy.FraudParams{}), ProviderInput{Provider: peers[1].Provider, Claims: peers[1].Claims, Peers: peers}); firedP(r, PeerOutlier) != nil {
		t.Errorf("a normal peer fired: %s", evidence(t, firedP(r, PeerOutlier)))
	}
	few := []Peer{peers[0], peers[1], peers[4]}
	if r := EvaluateProvider(NewParams(policy.FraudParams{}), ProviderInput{Provider: peers[4].Provider, Claims: peers[4].Claims, Peers: few}); firedP(r, PeerOutlier) != nil {
		t.Error("fired among 3 providers")
	}
}

// TestQuartiles agrees with statistics.quantiles(n=4, method='inclusive').
func TestQuartiles(t *testing.T) {
	for _, tc := range []struct {
		xs     []string
		q1, q3 string
	}{
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, "3.25", "7.75"},
		{[]string{"4", "1", "3", "2"}, "1.75", "3.25"},
		{[]string{"1000", "1100", "1200", "1300", "5000"}, "1100", "1300"},
		{[]string{"2", "8"}, "3.5", "6.5"},
	} {
		var xs []decimal.Decimal
		for _, x := range tc.xs {
			xs = append(xs, d(x))
		}
		q1, q3 := Quartiles(xs)
		if !q1.Equal(d(tc.q1)) || !q3.Equal(d(tc.q3)) {
			t.Errorf("%v: %s %s, want %s %s", tc.xs, q1, q3, tc.q1, tc.q3)
		}
	}
}

// TestProviderScore: 1 − (1 − s) × Π(1 − weight), s the share of flagged claims.
func TestProviderScore(t *testing.T) {
	p := &policy.Provider{ID: "H1", Beds: 100}
	claims := stays("H1", 8, "2026-03-01", "2026-03-02") // group_admission 0.8
	for i, c := range claims {
		c.Lines = []LineFact{{No: 1, Item: "DRG01", Qty: d("1"), Amount: decimal.NewFromInt(int64(i + 1))}} // no clones
	}
	claims[0].Score, claims[1].Score = d("0.9"), d("0.5")
	r := evalProvider(p, claims)
	// s = 2/8 = 0.25: 1 − 0.75 × 0.2 = 0.85
	if !r.FlaggedShare.Equal(d("0.25")) || !r.Score.Equal(d("0.85")) {
		t.Errorf("share %s score %s", r.FlaggedShare, r.Score)
	}
}

// TestPeerGroups: providers of one level in one region are peers, each with its claims, in
// id order.
func TestPeerGroups(t *testing.T) {
	ps := map[string]*policy.Provider{"B": {ID: "B", Level: 2, Region: "150921"}, "A": {ID: "A", Level: 2, Region: "150921"},
		"C": {ID: "C", Level: 3, Region: "150921"}}
	facts := map[string][]*Fact{"A": {{}}, "B": nil}
	g := PeerGroups(ps, facts)
	if len(g) != 2 || len(g["2/150921"]) != 2 || g["2/150921"][0].Provider.ID != "A" || len(g["2/150921"][0].Claims) != 1 || len(g["3/150921"]) != 1 {
		t.Errorf("peer groups: %+v", g)
	}
}
