package fraud

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Flag levels, severities and statuses (CONTRACT.md fraud.flags).
const (
	LevelClaim      = "claim"
	LevelProvider   = "provider"
	StatusOpen      = "open"
	StatusInCase    = "in_case"
	StatusConfirmed = "confirmed"
	StatusDismissed = "dismissed"
)

// Flag is a finding an investigator reviews: one per (claim, rule) for claim rules, one per
// (provider, rule) for provider rules while the pattern fires.
type Flag struct {
	FlagID     string          `json:"flag_id"`
	ProviderID string          `json:"provider_id"`
	MemberID   string          `json:"member_id,omitempty"`
	ClaimIDs   []string        `json:"claim_ids"`
	Rule       string          `json:"rule"`
	Level      string          `json:"level"`
	Score      decimal.Decimal `json:"score"`
	Severity   string          `json:"severity"`
	Status     string          `json:"status"`
	Evidence   map[string]any  `json:"evidence"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// FlagID derives a flag's id from its identity: level, provider, the claim (claim flags)
// and the rule. A redelivered result therefore never makes a second flag.
func FlagID(level, providerID, claimID, rule string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{level, providerID, claimID, rule}, "\x00")))
	return "F" + hex.EncodeToString(sum[:10])
}

// severity is high at hold_score, medium otherwise.
func (p Params) severity(score decimal.Decimal) string {
	if score.GreaterThanOrEqual(p.HoldScore) {
		return "high"
	}
	return "medium"
}

// ClaimFlags are the flags a claim's result raises: one per rule that fired, when the
// claim score reaches flag_score. The claim comes first in claim_ids, then the earlier
// claims a pair rule names.
func (p Params) ClaimFlags(f *Fact, r ClaimResult, now time.Time) []Flag {
	if len(r.Hits) == 0 || r.Score.LessThan(p.FlagScore) {
		return nil
	}
	out := make([]Flag, 0, len(r.Hits))
	for _, h := range r.Hits {
		ids := []string{f.Key.ClaimID}
		for _, o := range h.Others {
			ids = append(ids, o.ClaimID)
		}
		ev := map[string]any{"version": f.Version, "claim_score": r.Score.String(), "weight": h.Weight.String()}
		for k, v := range h.Evidence {
			ev[k] = v
		}
		out = append(out, Flag{FlagID: FlagID(LevelClaim, f.Key.ProviderID, f.Key.ClaimID, h.Rule), ProviderID: f.Key.ProviderID,
			MemberID: f.MemberID, ClaimIDs: ids, Rule: h.Rule, Level: LevelClaim, Score: r.Score, Severity: p.severity(r.Score),
			Status: StatusOpen, Evidence: ev, CreatedAt: now, UpdatedAt: now})
	}
	return out
}

// ProviderFlags are the flags of the provider rules that fire, scored with the provider
// score, when it reaches flag_score.
func (p Params) ProviderFlags(providerID string, r ProviderResult, now time.Time) []Flag {
	if r.Score.LessThan(p.FlagScore) {
		return nil
	}
	var out []Flag
	for _, h := range r.Hits {
		ids := make([]string, 0, len(h.Others))
		seen := map[string]bool{}
		for _, o := range h.Others {
			if !seen[o.ClaimID] {
				seen[o.ClaimID] = true
				ids = append(ids, o.ClaimID)
			}
		}
		ev := map[string]any{"provider_score": r.Score.String(), "weight": h.Weight.String(), "flagged_share": r.FlaggedShare.String(),
			"window": map[string]any{"from": date(r.WindowFrom), "to": date(r.WindowTo), "claims": r.Claims}}
		for k, v := range h.Evidence {
			ev[k] = v
		}
		out = append(out, Flag{FlagID: FlagID(LevelProvider, providerID, "", h.Rule), ProviderID: providerID, ClaimIDs: ids,
			Rule: h.Rule, Level: LevelProvider, Score: r.Score, Severity: p.severity(r.Score), Status: StatusOpen, Evidence: ev,
			CreatedAt: now, UpdatedAt: now})
	}
	return out
}
