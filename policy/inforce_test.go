package policy

import (
	"testing"
	"time"
)

func TestInForce(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	v1, v2, v2b := &Bundle{Version: "1", EffectiveFrom: day("2026-01-01")}, &Bundle{Version: "2", EffectiveFrom: day("2027-01-01")},
		&Bundle{Version: "2b", EffectiveFrom: day("2027-01-01")}
	for _, c := range []struct {
		date string
		want string
	}{{"2025-12-31", ""}, {"2026-01-01", "1"}, {"2026-12-31", "1"}, {"2027-01-01", "2b"}, {"2030-06-01", "2b"}} {
		got := ""
		if b := InForce([]*Bundle{v2, v1, v2b}, day(c.date)); b != nil {
			got = b.Version
		}
		if got != c.want {
			t.Errorf("%s: version %q, want %q", c.date, got, c.want)
		}
	}
}
