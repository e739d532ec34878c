package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/policy"
	"medclaims/settlement"
)

const periodClaimCols = `r.provider_id, r.claim_id, r.method, r.status, r.fund_to_provider::text, r.member_pays::text,
	COALESCE(r.points::text, '0'), r.capitation::text, COALESCE(cp.status, ''),
	COALESCE(to_char(cp.decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), ''), cp.amount::text`

// PeriodClaims reads the current versions of the period's claims (voided ones are out,
// held ones in), with what case decisions made of them.
func (s *Store) PeriodClaims(ctx context.Context, period string) ([]settlement.PeriodClaim, error) {
	return s.periodClaims(ctx, `SELECT `+periodClaimCols+` FROM claim_results r LEFT JOIN claim_payments cp USING (provider_id, claim_id)
		WHERE r.period = $1 AND r.status <> 'voided' ORDER BY r.provider_id, r.claim_id`, period)
}

// DecidedIn reads other periods' claims whose payment a decision of this period changed.
func (s *Store) DecidedIn(ctx context.Context, period string) ([]settlement.PeriodClaim, error) {
	return s.periodClaims(ctx, `SELECT `+periodClaimCols+` FROM claim_results r JOIN claim_payments cp USING (provider_id, claim_id)
		WHERE to_char(cp.decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') = $1 AND r.period <> $1 AND r.status <> 'voided'
		ORDER BY r.provider_id, r.claim_id`, period)
}

func (s *Store) periodClaims(ctx context.Context, q, period string) ([]settlement.PeriodClaim, error) {
	rows, err := s.db.QueryContext(ctx, q, period)
	if err != nil {
		return nil, fmt.Errorf("read claims of period %s: %w", period, err)
	}
	defer rows.Close()
	var out []settlement.PeriodClaim
	for rows.Next() {
		var c settlement.PeriodClaim
		var status, ftp, mp, pts, capitation, decidedIn string
		var partial sql.NullString // a recovery of less than the fund share
		if err := rows.Scan(&c.ProviderID, &c.ClaimID, &c.Method, &status, &ftp, &mp, &pts, &capitation, &c.Decision, &decidedIn, &partial); err != nil {
			return nil, err
		}
		if partial.Valid {
			a := decimal.RequireFromString(partial.String)
			c.Recovery = &a
		}
		c.Held, c.InPeriod = status == "held", decidedIn == period
		c.FundToProvider, c.MemberPays = decimal.RequireFromString(ftp), decimal.RequireFromString(mp)
		c.Points, c.Capitation = decimal.RequireFromString(pts), decimal.RequireFromString(capitation)
		out = append(out, c)
	}
	return out, rows.Err()
}

// YearPaid sums, per provider, the paid fund_to_provider of the year's months other than
// period: adjudicated claims not denied, and held claims a dismissal released; capitation
// excluded.
func (s *Store) YearPaid(ctx context.Context, period string) (map[string]decimal.Decimal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.provider_id, sum(r.fund_to_provider)::text FROM claim_results r
		LEFT JOIN claim_payments cp USING (provider_id, claim_id)
		WHERE r.period LIKE $1 || '-%' AND r.period <> $2 AND r.method <> 'capitation'
		  AND (r.status = 'adjudicated' AND COALESCE(cp.status, '') <> 'denied' OR r.status = 'held' AND cp.status = 'released'
		       OR r.status = 'held' AND cp.status = 'recovered' AND cp.amount IS NOT NULL)
		GROUP BY r.provider_id`, period[:4], period)
	if err != nil {
		return nil, fmt.Errorf("read the year's payments: %w", err)
	}
	defer rows.Close()
	out := map[string]decimal.Decimal{}
	for rows.Next() {
		var id, sum string
		if err := rows.Scan(&id, &sum); err != nil {
			return nil, err
		}
		out[id] = decimal.RequireFromString(sum)
	}
	return out, rows.Err()
}

// YearDRGAdjustments sums, per provider, the DRG adjustments of the latest statements of
// the year's months other than period.
func (s *Store) YearDRGAdjustments(ctx context.Context, period string) (map[string]decimal.Decimal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT ON (period) doc FROM statements WHERE period LIKE $1 || '-%' AND period <> $2
		ORDER BY period, version DESC`, period[:4], period)
	if err != nil {
		return nil, fmt.Errorf("read the year's statements: %w", err)
	}
	defer rows.Close()
	out := map[string]decimal.Decimal{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var doc settlement.Document
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, err
		}
		for _, p := range doc.Providers {
			if p.DRG != nil {
				out[p.ProviderID] = out[p.ProviderID].Add(p.DRG.Adjustment.Dec())
			}
		}
	}
	return out, rows.Err()
}

// AllProviders reads every provider as it stands (designation changes included).
func (s *Store) AllProviders(ctx context.Context) (map[string]*policy.Provider, error) {
	var rows []providerRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+providerCols+` FROM providers`); err != nil {
		return nil, fmt.Errorf("read providers: %w", err)
	}
	out := make(map[string]*policy.Provider, len(rows))
	for _, r := range rows {
		out[r.ID] = r.provider()
	}
	return out, nil
}

// StoredStatement is one stored version of a period's statement.
type StoredStatement struct {
	Version int
	Hash    string
	Doc     settlement.Document
}

// LatestStatement reads a period's newest statement; nil when the period was never closed.
func (s *Store) LatestStatement(ctx context.Context, period string) (*StoredStatement, error) {
	var st StoredStatement
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT version, hash, doc FROM statements WHERE period = $1 ORDER BY version DESC LIMIT 1`, period).
		Scan(&st.Version, &st.Hash, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the statement of %s: %w", period, err)
	}
	if err := json.Unmarshal(b, &st.Doc); err != nil {
		return nil, fmt.Errorf("statement of %s: %w", period, err)
	}
	return &st, nil
}

// ErrStatementExists is returned when another close stored the version first.
var ErrStatementExists = errors.New("that statement version was stored meanwhile")

// SaveStatement stores a statement version.
func (s *Store) SaveStatement(ctx context.Context, doc settlement.Document, hash string, at time.Time) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO statements (period, version, closed_at, hash, doc) VALUES ($1, $2, $3, $4, $5)`,
		doc.Period, doc.Version, at.UTC(), hash, b)
	if isUnique(err) {
		return fmt.Errorf("statement %s version %d: %w", doc.Period, doc.Version, ErrStatementExists)
	}
	if err != nil {
		return fmt.Errorf("store the statement of %s: %w", doc.Period, err)
	}
	return nil
}

func isUnique(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505"
}
