package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// ErrPolicyConflict means a policy version is already loaded with different content.
var ErrPolicyConflict = errors.New("policy version already loaded with different content")

// SavePolicy stores a validated bundle and its reference data in one transaction. Loading
// the same bundle again changes nothing (changed=false); the same version with other
// content is refused with ErrPolicyConflict.
func (s *Store) SavePolicy(ctx context.Context, b *policy.Bundle) (changed bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE policy_versions IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT content_hash FROM policy_versions WHERE version = $1`, b.Version).Scan(&hash)
		switch {
		case err == nil && hash == b.Hash:
			return nil
		case err == nil:
			return fmt.Errorf("%w: version %s (bump \"version\" in policy.json to load new content)", ErrPolicyConflict, b.Version)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		files := map[string]string{}
		for n, c := range b.Files {
			files[n] = string(c)
		}
		fj, _ := json.Marshal(files)
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (version, effective_from, content_hash, files) VALUES ($1, $2, $3, $4)`,
			b.Version, b.EffectiveFrom, b.Hash, fj); err != nil {
			return fmt.Errorf("insert policy version: %w", err)
		}
		if err := saveReference(ctx, tx, b); err != nil {
			return err
		}
		changed = true
		return nil
	})
	return changed, err
}

func saveReference(ctx context.Context, tx *sqlx.Tx, b *policy.Bundle) error {
	for _, p := range b.Providers {
		methods := make([]string, 0, len(p.Methods))
		for m := range p.Methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO providers (provider_id, name, level, region, beds, alliance_id, methods, hospital_coefficient, status, banned_until, owner_id, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, now())
			ON CONFLICT (provider_id) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, region = EXCLUDED.region,
			  beds = EXCLUDED.beds, alliance_id = EXCLUDED.alliance_id, methods = EXCLUDED.methods,
			  hospital_coefficient = EXCLUDED.hospital_coefficient, status = EXCLUDED.status,
			  banned_until = EXCLUDED.banned_until, owner_id = EXCLUDED.owner_id, updated_at = now()`,
			p.ID, p.Name, p.Level, p.Region, p.Beds, p.AllianceID, pq.Array(methods), p.HospitalCoefficient.String(), p.Status, nullDate(p.BannedUntil),
			text(p.OwnerID)); err != nil {
			return fmt.Errorf("save provider %s: %w", p.ID, err)
		}
	}
	for _, m := range b.Members {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO members (member_id, scheme, region, birth_date, sex, death_date, poverty_registered, assistance, enrolled_from, enrolled_to, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, now())
			ON CONFLICT (member_id) DO UPDATE SET scheme = EXCLUDED.scheme, region = EXCLUDED.region, birth_date = EXCLUDED.birth_date,
			  sex = EXCLUDED.sex, death_date = EXCLUDED.death_date, poverty_registered = EXCLUDED.poverty_registered,
			  assistance = EXCLUDED.assistance, enrolled_from = EXCLUDED.enrolled_from, enrolled_to = EXCLUDED.enrolled_to, updated_at = now()`,
			m.ID, m.Scheme, m.Region, m.BirthDate, m.Sex, nullDate(m.DeathDate), m.PovertyRegistered, m.Assistance, nullDate(m.EnrolledFrom), nullDate(m.EnrolledTo)); err != nil {
			return fmt.Errorf("save member %s: %w", m.ID, err)
		}
	}
	for _, su := range b.Signups {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO signups (member_id, provider_id, from_date, to_date) VALUES ($1,$2,$3,$4)
			ON CONFLICT (member_id, provider_id, from_date) DO UPDATE SET to_date = EXCLUDED.to_date`,
			su.MemberID, su.ProviderID, su.From, nullDate(su.To)); err != nil {
			return fmt.Errorf("save signup %s/%s: %w", su.MemberID, su.ProviderID, err)
		}
	}
	for _, bu := range b.Budgets {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO budgets (kind, key, period, amount) VALUES ($1,$2,$3,$4)
			ON CONFLICT (kind, key, period) DO UPDATE SET amount = EXCLUDED.amount`,
			bu.Kind, bu.Key, bu.Period, bu.Amount.String()); err != nil {
			return fmt.Errorf("save budget %s/%s/%s: %w", bu.Kind, bu.Key, bu.Period, err)
		}
	}
	return nil
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// PolicyHashes lists the loaded versions and their content hashes (a cheap change check).
func (s *Store) PolicyHashes(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, content_hash FROM policy_versions`)
	if err != nil {
		return nil, fmt.Errorf("list policy versions: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var v, h string
		if err := rows.Scan(&v, &h); err != nil {
			return nil, err
		}
		out[v] = h
	}
	return out, rows.Err()
}

// Policies loads every stored policy version, parsed and validated again.
func (s *Store) Policies(ctx context.Context, opt policy.Options) ([]*policy.Bundle, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, files FROM policy_versions ORDER BY effective_from`)
	if err != nil {
		return nil, fmt.Errorf("load policy versions: %w", err)
	}
	defer rows.Close()
	var out []*policy.Bundle
	for rows.Next() {
		var v string
		var fj []byte
		if err := rows.Scan(&v, &fj); err != nil {
			return nil, err
		}
		var files map[string]string
		if err := json.Unmarshal(fj, &files); err != nil {
			return nil, fmt.Errorf("policy version %s: %w", v, err)
		}
		bf := map[string][]byte{}
		for n, c := range files {
			bf[n] = []byte(c)
		}
		b, err := policy.FromFiles(bf, opt)
		if err != nil {
			return nil, fmt.Errorf("policy version %s: %w", v, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

type providerRow struct {
	ID          string         `db:"provider_id"`
	Name        string         `db:"name"`
	Level       int            `db:"level"`
	Region      string         `db:"region"`
	Beds        int            `db:"beds"`
	AllianceID  string         `db:"alliance_id"`
	Methods     pq.StringArray `db:"methods"`
	Coefficient string         `db:"hospital_coefficient"`
	Status      string         `db:"status"`
	BannedUntil sql.NullTime   `db:"banned_until"`
	Suspended   bool           `db:"payment_suspended"`
	OwnerID     string         `db:"owner_id"`
	OwnerBar    sql.NullString `db:"owner_bar"` // "<barred provider> <until>" of the owner's longest running bar
}

func (r providerRow) provider() *policy.Provider {
	p := &policy.Provider{ID: r.ID, Name: r.Name, Level: r.Level, Region: r.Region, Beds: r.Beds, AllianceID: r.AllianceID,
		HospitalCoefficient: decimal.RequireFromString(r.Coefficient), Status: r.Status, PaymentSuspended: r.Suspended, OwnerID: r.OwnerID}
	if barred, until, ok := strings.Cut(r.OwnerBar.String, " "); r.OwnerBar.Valid && ok {
		if t, err := time.Parse(time.DateOnly, until); err == nil {
			p.OwnerBar = &policy.OwnerBar{ProviderID: barred, Until: t}
		}
	}
	p.SetMethods(r.Methods)
	if r.BannedUntil.Valid {
		p.BannedUntil = r.BannedUntil.Time.UTC()
	}
	return p
}

type memberRow struct {
	ID           string       `db:"member_id"`
	Scheme       string       `db:"scheme"`
	Region       string       `db:"region"`
	BirthDate    time.Time    `db:"birth_date"`
	Sex          string       `db:"sex"`
	DeathDate    sql.NullTime `db:"death_date"`
	Poverty      bool         `db:"poverty_registered"`
	Assistance   string       `db:"assistance"`
	EnrolledFrom sql.NullTime `db:"enrolled_from"`
	EnrolledTo   sql.NullTime `db:"enrolled_to"`
}

func (r memberRow) member() *policy.Member {
	d := func(n sql.NullTime) time.Time {
		if n.Valid {
			return n.Time.UTC()
		}
		return time.Time{}
	}
	return &policy.Member{ID: r.ID, Scheme: r.Scheme, Region: r.Region, BirthDate: r.BirthDate.UTC(), Sex: r.Sex,
		DeathDate: d(r.DeathDate), PovertyRegistered: r.Poverty, Assistance: r.Assistance,
		EnrolledFrom: d(r.EnrolledFrom), EnrolledTo: d(r.EnrolledTo)}
}

const providerCols = `provider_id, name, level, region, beds, alliance_id, methods, hospital_coefficient::text AS hospital_coefficient, status, banned_until,
	COALESCE((SELECT f.payment_suspended FROM provider_fraud f WHERE f.provider_id = providers.provider_id), false) AS payment_suspended, owner_id,
	(SELECT s.provider_id || ' ' || to_char(s.until, 'YYYY-MM-DD') FROM sanctions s
	 WHERE providers.owner_id <> '' AND s.owner_id = providers.owner_id AND s.provider_id <> providers.provider_id
	   AND s.finding = 'fabricated_service' AND s.practitioner_id = '' AND s.until IS NOT NULL
	   AND EXISTS (SELECT 1 FROM fraud_cases fc WHERE fc.case_id = s.case_id AND fc.findings @> '[{"type": "fabricated_service"}]')
	 ORDER BY s.until DESC LIMIT 1) AS owner_bar`
const memberCols = `member_id, scheme, region, birth_date, sex, death_date, poverty_registered, assistance, enrolled_from, enrolled_to`

// Provider reads one provider as it stands now.
func (s *Store) Provider(ctx context.Context, id string) (*policy.Provider, error) {
	var r providerRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+providerCols+` FROM providers WHERE provider_id = $1`, id); err != nil {
		return nil, err
	}
	return r.provider(), nil
}

func nonEmpty(ids []string) []string {
	out := ids[:0:0]
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
