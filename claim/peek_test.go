package claim

import "testing"

func TestPeek(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Peeked
	}{
		{`{"kind":"void","batch_id":"B1","claim":{"provider_id":"H1","claim_id":"C1","member_id":"M1"}}`,
			Peeked{Kind: "void", BatchID: "B1", ProviderID: "H1", ClaimID: "C1", MemberID: "M1"}},
		{`{"kind":"void","provider_id":"H1","claim_id":"C1","member_id":"M1","claim":{}}`, Peeked{Kind: "void", ProviderID: "H1", ClaimID: "C1", MemberID: "M1"}},
		{`{"claim_id":"C1","provider_id":"H1","member_id":7,"status":"held"}`, Peeked{ProviderID: "H1", ClaimID: "C1", Status: "held"}},
		{`[1,2]`, Peeked{}}, {`not json`, Peeked{}},
	} {
		if got := Peek([]byte(c.in)); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.in, got, c.want)
		}
	}
	if got := PeekString([]byte(`{"claim_id":"C\"1","provider_id":"H1"}`), "claim_id"); got != `C"1` {
		t.Errorf("an escaped id: %q", got)
	}
	if got := PeekString([]byte(`{"claim_id":"C1","provider_id":"H1"}`), "provider_id"); got != "H1" {
		t.Errorf("the fast path: %q", got)
	}
}
