package fraud

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// StaffSuspended is the rule of FRAUD.md §9.3: the share of a provider's registered
// practitioners who are suspended or terminated reached fraud.people.staff_suspend_share;
// the provider's payment is suspended and a case opened, as for a score at hold_score.
const StaffSuspended = "staff_suspended"

// StaffFlag evaluates the staff rule for one provider at now: its registered people and
// their qualification (a person absent from quals is normal). It returns the provider flag
// when the share reaches the threshold.
func (p Params) StaffFlag(providerID string, registered []string, quals map[string]Qualification, now time.Time) (Flag, bool) {
	var out []string
	for _, id := range registered {
		if q, ok := quals[id]; ok && q.Status != QualNormal {
			out = append(out, id)
		}
	}
	if len(registered) == 0 || len(out) == 0 {
		return Flag{}, false
	}
	share := decimal.NewFromInt(int64(len(out))).DivRound(decimal.NewFromInt(int64(len(registered))), 4)
	if share.LessThan(p.People.StaffShare) {
		return Flag{}, false
	}
	slices.Sort(out)
	return Flag{FlagID: FlagID("provider", providerID, "", StaffSuspended), ProviderID: providerID, ClaimIDs: []string{}, Rule: StaffSuspended,
		Level: "provider", Score: p.HoldScore, Severity: "high", Status: StatusOpen, CreatedAt: now, UpdatedAt: now,
		Evidence: map[string]any{"registered": len(registered), "suspended_or_terminated": out, "share": share.String(),
			"staff_suspend_share": p.People.StaffShare.String()}}, true
}
