package fraud

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestNextStanding(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	d := decimal.RequireFromString
	cleared := d("0.85")
	earlier := now.Add(-time.Hour)
	for _, c := range []struct {
		name        string
		prev        Standing
		score       string
		want, newly bool
	}{
		{"below hold", Standing{}, "0.79", false, false},
		{"at hold", Standing{}, "0.80", true, true},
		{"suspended stays, even when the score falls", Standing{Suspended: true, SuspendedAt: &earlier}, "0.10", true, false},
		{"after a dismissal, the dismissed score again", Standing{ClearedScore: &cleared}, "0.85", false, false},
		{"after a dismissal, a higher score", Standing{ClearedScore: &cleared}, "0.86", true, true},
	} {
		next, newly := NextStanding(c.prev, d(c.score), d("0.8"), now)
		if next.Suspended != c.want || newly != c.newly || (c.newly && !next.SuspendedAt.Equal(now)) {
			t.Errorf("%s: %+v newly %v", c.name, next, newly)
		}
		if c.prev.Suspended && !next.SuspendedAt.Equal(earlier) {
			t.Errorf("%s: the suspension's start moved", c.name)
		}
	}
}
