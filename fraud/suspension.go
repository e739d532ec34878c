package fraud

import (
	"time"

	"github.com/shopspring/decimal"
)

// Standing is a provider's payment suspension (暂停拨付) as it stands: suspended since
// when, and the score a dismissal cleared (nil when none did).
type Standing struct {
	Suspended    bool
	SuspendedAt  *time.Time
	ClearedScore *decimal.Decimal
}

// NextStanding applies a new score (FRAUD.md §3): a score at hold suspends the provider's
// payment, and a suspension stands until a decision lifts it, never by a lower score;
// after a dismissal only a score above the dismissed one suspends again. newly reports a
// suspension that starts now.
func NextStanding(prev Standing, score, hold decimal.Decimal, now time.Time) (next Standing, newly bool) {
	next = prev
	if prev.Suspended || score.LessThan(hold) {
		return next, false
	}
	if prev.ClearedScore != nil && !score.GreaterThan(*prev.ClearedScore) {
		return next, false
	}
	at := now
	next.Suspended, next.SuspendedAt = true, &at
	return next, true
}
