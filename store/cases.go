package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/fraud"
)

// ErrCaseMoved is returned when a case changed state between reading and saving it.
var ErrCaseMoved = errors.New("the case was changed meanwhile")

// ErrFlagTaken is returned when a flag of a case being opened is no longer open: another
// case took it meanwhile. A flag belongs to at most one undecided case.
var ErrFlagTaken = errors.New("a flag belongs to another case")

// CaseChange is one transition of a case, written in one transaction with its audit event,
// its effects and the events to publish, all as package fraud decided them.
type CaseChange struct {
	Case       fraud.Case     // the case after the move; its last event is appended
	FromState  string         // the state it was read in ("" for a new case)
	FromAppeal string         // the appeal's stage it was read in: "" none, "pending", or its outcome
	Outcome    *fraud.Outcome // a decision's effects
	FlagStatus string         // what the move makes of the case's flags (Case.FlagStatus), "" nothing
	Publish    []fraud.Message
	Now        time.Time
}

// NewCaseChange is the change of a case's last move, with what fraud says it does to the
// flags and publishes.
func NewCaseChange(c fraud.Case, from string, o *fraud.Outcome, now time.Time) CaseChange {
	return CaseChange{Case: c, FromState: from, Outcome: o, FlagStatus: c.FlagStatus(), Publish: c.Messages(o), Now: now}
}

// AppealStage is the stage of a case's appeal: "" none, "pending", or its outcome.
func AppealStage(c fraud.Case) string {
	switch {
	case c.Appeal == nil:
		return ""
	case c.Appeal.Outcome == "":
		return "pending"
	}
	return c.Appeal.Outcome
}

// SaveCase writes a transition. A case moved by someone else meanwhile is ErrCaseMoved.
func (s *Store) SaveCase(ctx context.Context, ch CaseChange) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return saveCase(ctx, tx, ch) })
}

// NewCaseID returns a fresh case id.
func NewCaseID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "K" + hex.EncodeToString(b[:])
}

func saveCase(ctx context.Context, tx *sqlx.Tx, ch CaseChange) error {
	if err := saveCaseRow(ctx, tx, ch); err != nil {
		return err
	}
	ev := ch.Case.Events[len(ch.Case.Events)-1]
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, event, state, by_name, role, at, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, ch.Case.CaseID, ev.Event, ev.State, text(ev.By), ev.Role, ev.At.UTC(), text(ev.Note)); err != nil {
		return fmt.Errorf("append case event: %w", err)
	}
	if err := setFlagStatus(ctx, tx, ch); err != nil {
		return err
	}
	if ch.Outcome != nil {
		if err := applyOutcome(ctx, tx, ch); err != nil {
			return err
		}
	}
	return queue(ctx, tx, ch.Publish)
}

func saveCaseRow(ctx context.Context, tx *sqlx.Tx, ch CaseChange) error {
	c := ch.Case
	findings, err := json.Marshal(orEmpty(c.Findings))
	if err != nil {
		return err
	}
	if ch.FromState == "" {
		_, err := tx.ExecContext(ctx, `INSERT INTO fraud_cases (case_id, provider_id, state, flag_ids, claim_ids, opened_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.CaseID, c.ProviderID, c.State, pq.Array(c.FlagIDs), pq.Array(c.ClaimIDs), c.OpenedAt.UTC(), ch.Now.UTC())
		if err != nil {
			return fmt.Errorf("open case %s: %w", c.CaseID, err)
		}
		return nil
	}
	var deadline any
	if c.Deadline != nil {
		deadline = c.Deadline.UTC()
	}
	var appeal any
	if c.Appeal != nil {
		b, err := json.Marshal(c.Appeal)
		if err != nil {
			return err
		}
		appeal = b
	}
	// The state and the appeal's stage it was read in: a move made meanwhile fails the update.
	res, err := tx.ExecContext(ctx, `UPDATE fraud_cases SET state = $2, deadline = $3, statement = $4, decision = $5, findings = $6, updated_at = $7, appeal = $9
		WHERE case_id = $1 AND state = $8 AND COALESCE(appeal->>'outcome', CASE WHEN appeal IS NULL THEN '' ELSE 'pending' END) = $10`,
		c.CaseID, c.State, deadline, text(c.Statement), c.Decision, findings, ch.Now.UTC(), ch.FromState, appeal, ch.FromAppeal)
	if err != nil {
		return fmt.Errorf("save case %s: %w", c.CaseID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("case %s: %w", c.CaseID, ErrCaseMoved)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// setFlagStatus gives the case's flags the status the move decided: a new case takes them
// (each must still be open: the check is the update itself, so two racing openings cannot
// both take a flag), a decision releases them from the case. A changed flag is published
// again (the flags outbox).
func setFlagStatus(ctx context.Context, tx *sqlx.Tx, ch CaseChange) error {
	switch {
	case ch.FlagStatus == "":
		return nil
	case ch.FromState == "":
		return takeFlags(ctx, tx, ch)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE case_flags SET undecided = false WHERE case_id = $1`, ch.Case.CaseID); err != nil {
		return fmt.Errorf("release flags of case %s: %w", ch.Case.CaseID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fraud_flags SET status = $2, updated_at = $3, published = false WHERE flag_id = ANY($1)`,
		pq.Array(ch.Case.FlagIDs), ch.FlagStatus, ch.Now.UTC()); err != nil {
		return fmt.Errorf("mark flags %s: %w", ch.FlagStatus, err)
	}
	return nil
}

// takeFlags puts the new case's flags in it: every one must be open, and none may sit in
// another undecided case (the database's unique index says so too).
func takeFlags(ctx context.Context, tx *sqlx.Tx, ch CaseChange) error {
	c := ch.Case
	res, err := tx.ExecContext(ctx, `UPDATE fraud_flags SET status = $3, updated_at = $2, published = false
		WHERE flag_id = ANY($1) AND status = 'open'`, pq.Array(c.FlagIDs), ch.Now.UTC(), ch.FlagStatus)
	if err != nil {
		return fmt.Errorf("mark flags in_case: %w", err)
	}
	if n, _ := res.RowsAffected(); int(n) != len(c.FlagIDs) {
		return fmt.Errorf("open case %s: %w: %d of its %d flags are no longer open", c.CaseID, ErrFlagTaken, len(c.FlagIDs)-int(n), len(c.FlagIDs))
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO case_flags (case_id, flag_id) SELECT $1, unnest($2::text[])`, c.CaseID, pq.Array(c.FlagIDs))
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("open case %s: %w", c.CaseID, ErrFlagTaken)
	}
	if err != nil {
		return fmt.Errorf("put flags in case %s: %w", c.CaseID, err)
	}
	return nil
}

// applyOutcome appends the claims' fate to the payment ledger, records the register entries
// and the designation change, and lifts the payment suspension when the provider has no
// other undecided case.
func applyOutcome(ctx context.Context, tx *sqlx.Tx, ch CaseChange) error {
	o, c := ch.Outcome, ch.Case
	if o.Reversals != nil {
		if err := reversePayments(ctx, tx, c, *o.Reversals, ch.Now); err != nil {
			return err
		}
	}
	for status, ids := range map[string][]string{"released": o.Released, "denied": o.Denied, "recovered": o.Recovered} {
		if len(ids) == 0 {
			continue
		}
		amounts := make([]sql.NullString, len(ids)) // NULL: the whole fund share
		for i, id := range ids {
			if a, ok := o.Partial[id]; ok && status == fraud.PaymentRecovered {
				amounts[i] = sql.NullString{String: a.String(), Valid: true}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, at, amount)
			SELECT $1, id, $3, $4, $5, a::numeric FROM unnest($2::text[], $6::text[]) AS x(id, a)`,
			c.ProviderID, pq.Array(ids), status, c.CaseID, ch.Now.UTC(), pq.Array(amounts)); err != nil {
			return fmt.Errorf("record %s claims: %w", status, err)
		}
	}
	for _, sn := range o.Sanctions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sanctions (provider_id, practitioner_id, finding, article, case_id, decided_at, until, owner_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE((SELECT owner_id FROM providers WHERE provider_id = $1), ''))`,
			sn.ProviderID, text(sn.PractitionerID), sn.Finding, sn.Article, sn.CaseID, sn.DecidedAt.UTC(), sn.Until); err != nil {
			return fmt.Errorf("register sanction: %w", err)
		}
	}
	if err := savePoints(ctx, tx, o.Points); err != nil {
		return err
	}
	if d := o.Designation; d != nil {
		if err := designate(ctx, tx, c, *d, ch.Now); err != nil {
			return err
		}
	}
	if o.LiftSuspension { // only while no other case of the provider is undecided
		if _, err := tx.ExecContext(ctx, `UPDATE provider_fraud SET payment_suspended = false, suspended_at = NULL, cleared_score = score, updated_at = $2
			WHERE provider_id = $1 AND NOT EXISTS (SELECT 1 FROM fraud_cases WHERE provider_id = $1 AND state <> 'decided')`,
			c.ProviderID, ch.Now.UTC()); err != nil {
			return fmt.Errorf("lift payment suspension: %w", err)
		}
	}
	return nil
}

// designate changes the provider's designation.
func designate(ctx context.Context, tx *sqlx.Tx, c fraud.Case, d fraud.Designation, now time.Time) error {
	var until any
	if !d.Until.IsZero() {
		until = d.Until.UTC().Format("2006-01-02")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE providers SET status = $2, banned_until = $3, updated_at = $4 WHERE provider_id = $1`,
		c.ProviderID, d.Status, until, now.UTC()); err != nil {
		return fmt.Errorf("designation of %s: %w", c.ProviderID, err)
	}
	return nil
}

// reversePayments reverses this case's denials and recoveries of the claims an appeal's
// amendment gives back (the events stay; a reversal names each) and releases them: a denied
// claim is paid, a recovery given back, on the next statement (its released amounts).
func reversePayments(ctx context.Context, tx *sqlx.Tx, c fraud.Case, r fraud.AppealChange, now time.Time) error {
	for event, ids := range map[string][]string{fraud.PaymentDenied: r.Released, fraud.PaymentRecovered: r.Unrecovered} {
		if len(ids) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, reverses, at, note)
			SELECT e.provider_id, e.claim_id, 'reversed', e.case_id, e.id, $4, 'amended on appeal' FROM claim_payment_events e
			WHERE e.case_id = $1 AND e.provider_id = $2 AND e.claim_id = ANY($3) AND e.event = $5
			  AND NOT EXISTS (SELECT 1 FROM claim_payment_events r WHERE r.reverses = e.id)`,
			c.CaseID, c.ProviderID, pq.Array(ids), now.UTC(), event); err != nil {
			return fmt.Errorf("reverse %s claims: %w", event, err)
		}
	}
	if given := append(slices.Clone(r.Released), r.Unrecovered...); len(given) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, at, note)
			SELECT $1, unnest($2::text[]), 'released', $3, $4, 'amended on appeal'`, c.ProviderID, pq.Array(given), c.CaseID, now.UTC()); err != nil {
			return fmt.Errorf("release claims: %w", err)
		}
	}
	return nil
}

// queue writes messages to the outbox, to be published after the commit.
func queue(ctx context.Context, tx *sqlx.Tx, msgs []fraud.Message) error {
	for _, m := range msgs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_outbox (topic, key, value) VALUES ($1, $2, $3)`, m.Kind, m.Key, m.Value); err != nil {
			return fmt.Errorf("queue a %s event: %w", m.Kind, err)
		}
	}
	return nil
}

const caseCols = `case_id, provider_id, state, flag_ids, claim_ids, opened_at, deadline, statement, decision, findings, appeal`

// Case reads a case with its audit trail.
func (s *Store) Case(ctx context.Context, id string) (*fraud.Case, error) {
	cs, err := s.scanCases(ctx, `SELECT `+caseCols+` FROM fraud_cases WHERE case_id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ErrNotFound
	}
	c := &cs[0]
	rows, err := s.db.QueryContext(ctx, `SELECT event, state, by_name, role, at, note FROM case_events WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read events of case %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e fraud.CaseEvent
		if err := rows.Scan(&e.Event, &e.State, &e.By, &e.Role, &e.At, &e.Note); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		c.Events = append(c.Events, e)
	}
	return c, rows.Err()
}

// Cases lists cases (without their trails), newest first, by state and provider ("" for
// any).
func (s *Store) Cases(ctx context.Context, state, providerID string) ([]fraud.Case, error) {
	return s.scanCases(ctx, `SELECT `+caseCols+` FROM fraud_cases WHERE ($1 = '' OR state = $1) AND ($2 = '' OR provider_id = $2)
		ORDER BY opened_at DESC, case_id DESC`, state, providerID)
}

func (s *Store) scanCases(ctx context.Context, q string, args ...any) ([]fraud.Case, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer rows.Close()
	var out []fraud.Case
	for rows.Next() {
		var c fraud.Case
		var flags, claims pq.StringArray
		var deadline sql.NullTime
		var findings, appeal []byte
		if err := rows.Scan(&c.CaseID, &c.ProviderID, &c.State, &flags, &claims, &c.OpenedAt, &deadline, &c.Statement, &c.Decision, &findings, &appeal); err != nil {
			return nil, err
		}
		if appeal != nil {
			if err := json.Unmarshal(appeal, &c.Appeal); err != nil {
				return nil, fmt.Errorf("case %s appeal: %w", c.CaseID, err)
			}
		}
		c.FlagIDs, c.ClaimIDs, c.OpenedAt = flags, claims, c.OpenedAt.UTC()
		if deadline.Valid {
			d := deadline.Time.UTC()
			c.Deadline = &d
		}
		if err := json.Unmarshal(findings, &c.Findings); err != nil {
			return nil, fmt.Errorf("case %s findings: %w", c.CaseID, err)
		}
		c.Events = []fraud.CaseEvent{}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FlagsByID reads flags by id.
func (s *Store) FlagsByID(ctx context.Context, ids []string) ([]fraud.Flag, error) {
	return scanFlags(s.db.QueryContext(ctx, `SELECT `+flagCols+` FROM fraud_flags f WHERE f.flag_id = ANY($1) ORDER BY f.flag_id`, pq.Array(ids)))
}

// CasePayments reads what a decision needs of the provider's claims: held or not, the
// fund's share to the provider of each claim's current version, and what a case already
// decided of its payment (from the payment ledger).
func (s *Store) CasePayments(ctx context.Context, providerID string, claimIDs []string) (map[string]fraud.ClaimPayment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT ON (r.claim_id) r.claim_id, r.status, r.fund_to_provider::text,
			COALESCE(cp.status, ''), COALESCE(cp.case_id, ''), f.evidence->>'overpayment'
		FROM claim_results r LEFT JOIN claim_payments cp USING (provider_id, claim_id)
		LEFT JOIN fraud_flags f ON f.provider_id = r.provider_id AND f.claim_ids[1] = r.claim_id AND f.level = 'claim'
			AND f.rule = 'unsupported_cc' AND f.evidence->>'version' = r.version::text
		WHERE r.provider_id = $1 AND r.claim_id = ANY($2) ORDER BY r.claim_id, r.version DESC`, providerID, pq.Array(claimIDs))
	if err != nil {
		return nil, fmt.Errorf("read claims of %s: %w", providerID, err)
	}
	defer rows.Close()
	out := map[string]fraud.ClaimPayment{}
	for rows.Next() {
		var p fraud.ClaimPayment
		var status, ftp string
		var over sql.NullString // the unsupported_cc overpayment of the current version
		if err := rows.Scan(&p.ClaimID, &status, &ftp, &p.Decided, &p.DecidedBy, &over); err != nil {
			return nil, err
		}
		if over.Valid {
			o := decimal.RequireFromString(over.String)
			p.Overpayment = &o
		}
		if status == "voided" {
			continue
		}
		p.Held, p.FundToProvider = status == "held", decimal.RequireFromString(ftp)
		out[p.ClaimID] = p
	}
	return out, rows.Err()
}

// OutboxEvent is a case or designation event waiting to be published.
type OutboxEvent struct {
	ID    int64  `db:"id"`
	Topic string `db:"topic"` // "fraud.cases" or "providers.status", without the prefix
	Key   string `db:"key"`
	Value []byte `db:"value"`
}

// PendingEvents lists queued events, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]OutboxEvent, error) {
	var out []OutboxEvent
	if err := s.db.SelectContext(ctx, &out, `SELECT id, topic, key, value FROM event_outbox ORDER BY id LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("read the event outbox: %w", err)
	}
	return out, nil
}

// EventsPublished removes published events from the outbox.
func (s *Store) EventsPublished(ctx context.Context, ids []int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM event_outbox WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("clear the event outbox: %w", err)
	}
	return nil
}

// Sanctions reads the sanction register, newest decision first.
func (s *Store) Sanctions(ctx context.Context) ([]fraud.Sanction, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider_id, practitioner_id, finding, article, case_id, decided_at, until, owner_id FROM sanctions
		ORDER BY decided_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("read the sanction register: %w", err)
	}
	defer rows.Close()
	out := []fraud.Sanction{}
	for rows.Next() {
		var sn fraud.Sanction
		var until sql.NullTime
		if err := rows.Scan(&sn.ProviderID, &sn.PractitionerID, &sn.Finding, &sn.Article, &sn.CaseID, &sn.DecidedAt, &until, &sn.OwnerID); err != nil {
			return nil, err
		}
		sn.DecidedAt = sn.DecidedAt.UTC()
		if until.Valid {
			u := until.Time.UTC()
			sn.Until = &u
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}
