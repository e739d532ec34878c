package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"medclaims/fraud"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

// TestCaseAuditIsAppendOnly: a case's transitions are saved with their events; the
// database refuses UPDATE, DELETE and TRUNCATE of the audit trail, whoever asks.
func TestCaseAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b, _ := sample.Bundle()
	if _, err := st.SavePolicy(ctx, b); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	inv := fraud.Actor{Name: "wang", Role: fraud.ActorInvestigator}
	addFlag(t, st, "F1", "H3001", "C1")
	c, err := fraud.OpenCase("K1", inv, "H3001", []fraud.Flag{{FlagID: "F1", ProviderID: "H3001", ClaimIDs: []string{"C1"}}}, at, "opened")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCase(ctx, store.NewCaseChange(c, "", nil, at)); err != nil {
		t.Fatal(err)
	}
	n, err := c.Notify(inv, at.Add(time.Hour), 15, "sent")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCase(ctx, store.NewCaseChange(n, fraud.CaseOpen, nil, at)); err != nil {
		t.Fatal(err)
	}
	// Saving a move from a state the case has left is refused.
	if err := st.SaveCase(ctx, store.NewCaseChange(n, fraud.CaseOpen, nil, at)); !errors.Is(err, store.ErrCaseMoved) {
		t.Errorf("a stale move: %v", err)
	}
	got, err := st.Case(ctx, "K1")
	if err != nil || got.State != fraud.CaseNotified || len(got.Events) != 2 || got.Events[1].Note != "sent" || got.Deadline == nil {
		t.Fatalf("case read back: %+v %v", got, err)
	}
	for _, q := range []string{`UPDATE case_events SET note = 'rewritten'`, `DELETE FROM case_events`, `TRUNCATE case_events CASCADE`,
		`UPDATE case_events SET by_name = 'someone else' WHERE event = 'opened'`} {
		_, err := st.DB().ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want it refused", q, err)
		}
	}
	var events int
	st.DB().Get(&events, `SELECT count(*) FROM case_events WHERE case_id = 'K1' AND note IN ('opened', 'sent')`)
	if events != 2 {
		t.Errorf("the trail has %d of its 2 events intact", events)
	}
	var queued int
	st.DB().Get(&queued, `SELECT count(*) FROM event_outbox WHERE topic = 'fraud.cases'`)
	if queued != 2 {
		t.Errorf("%d fraud.cases events queued, want 2", queued)
	}
}

// addFlag stores an open claim flag, as the fraud stage would.
func addFlag(t *testing.T, st *store.Store, id, providerID string, claimIDs ...string) {
	t.Helper()
	if _, err := st.DB().Exec(`INSERT INTO fraud_flags (flag_id, provider_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at)
		VALUES ($1, $2, $3, 'duplicate_charge', 'claim', 0.9, 'high', 'open', '{}', now(), now())`, id, providerID, pq.Array(claimIDs)); err != nil {
		t.Fatal(err)
	}
}

// TestPaymentLedger: a claim's payment status is derived from its events: a denial by one
// case outranks a later release by another; only a reversal of the denial undoes it; the
// ledger takes no UPDATE or DELETE.
func TestPaymentLedger(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	db := st.DB()
	for _, k := range []string{"K1", "K2"} {
		if _, err := db.Exec(`INSERT INTO fraud_cases (case_id, provider_id, state, flag_ids, claim_ids, opened_at, updated_at)
			VALUES ($1, 'H3001', 'decided', '{}', '{DC-1}', now(), now())`, k); err != nil {
			t.Fatal(err)
		}
	}
	event := func(ev, caseID string, reverses any) int64 {
		var id int64
		if err := db.Get(&id, `INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, reverses, at)
			VALUES ('H3001', 'DC-1', $1, $2, $3, now()) RETURNING id`, ev, caseID, reverses); err != nil {
			t.Fatal(err)
		}
		return id
	}
	status := func() string {
		var s string
		db.Get(&s, `SELECT status || ' by ' || case_id FROM claim_payments WHERE provider_id = 'H3001' AND claim_id = 'DC-1'`)
		return s
	}
	denial := event("denied", "K1", nil)
	event("released", "K2", nil)
	if got := status(); got != "denied by K1" {
		t.Errorf("a release after a denial: %q", got)
	}
	event("reversed", "K1", denial)
	if got := status(); got != "released by K2" {
		t.Errorf("after the denial's reversal: %q", got)
	}
	if _, err := db.Exec(`INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, reverses, at)
		VALUES ('H3001', 'DC-1', 'reversed', 'K1', $1, now())`, denial); err == nil {
		t.Error("an event was reversed twice")
	}
	for _, q := range []string{`UPDATE claim_payment_events SET event = 'released'`, `DELETE FROM claim_payment_events`, `TRUNCATE claim_payment_events`} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want it refused", q, err)
		}
	}
}

// TestServiceRoleHasLeastPrivilege: connected as the service role, the audit trail, the
// payment ledger and the register take INSERT but no UPDATE or DELETE; no table can be
// truncated, altered or dropped; session_replication_role (which would skip the triggers)
// cannot be set. Ordinary work (a case row, a flag) goes through.
func TestServiceRoleHasLeastPrivilege(t *testing.T) {
	ctx := context.Background()
	url := storetest.NewDB(t)
	st, err := store.OpenService(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB()
	var who string
	var super bool
	if err := db.QueryRow(`SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&who, &super); err != nil || who != store.ServiceRole || super {
		t.Fatalf("connected as %q (superuser %v, %v)", who, super, err)
	}
	addFlag(t, st, "F1", "H3001", "C1")
	for _, q := range []string{
		`INSERT INTO fraud_cases (case_id, provider_id, state, flag_ids, claim_ids, opened_at, updated_at) VALUES ('K1', 'H3001', 'open', '{F1}', '{C1}', now(), now())`,
		`INSERT INTO case_events (case_id, event, state, by_name, role, at) VALUES ('K1', 'opened', 'open', 'wang', 'investigator', now())`,
		`INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, at) VALUES ('H3001', 'C1', 'denied', 'K1', now())`,
		`INSERT INTO sanctions (provider_id, finding, article, case_id, decided_at) VALUES ('H3001', 'over_treatment', 'art38', 'K1', now())`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range []string{
		`UPDATE case_events SET note = 'rewritten'`, `DELETE FROM case_events`, `TRUNCATE case_events CASCADE`,
		`UPDATE claim_payment_events SET event = 'released'`, `DELETE FROM claim_payment_events`,
		`UPDATE sanctions SET finding = 'none'`, `DELETE FROM sanctions`, `TRUNCATE claim_results`,
		`SET session_replication_role = replica`, `ALTER TABLE case_events DISABLE TRIGGER USER`, `DROP TABLE case_events CASCADE`,
		`CREATE TABLE scratch (x int)`, `DELETE FROM goose_db_version`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: done, want it refused", q)
		}
	}
	var events int
	db.Get(&events, `SELECT count(*) FROM case_events WHERE note = ''`)
	if events != 1 {
		t.Errorf("the trail has %d of its 1 event intact", events)
	}
	if _, err := store.OpenService(ctx, strings.Replace(url, "postgres@", store.ServiceRole+"@", 1), ""); err != nil {
		t.Errorf("serve with the service role's own URL: %v", err)
	}
}
