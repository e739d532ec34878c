package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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
	c, err := fraud.OpenCase("K1", inv, "H3001", []fraud.Flag{{FlagID: "F1", ProviderID: "H3001", ClaimIDs: []string{"C1"}}}, at, "opened")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCase(ctx, store.CaseChange{Case: c, Now: at}); err != nil {
		t.Fatal(err)
	}
	n, err := c.Notify(inv, at.Add(time.Hour), 15, "sent")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCase(ctx, store.CaseChange{Case: n, FromState: fraud.CaseOpen, Now: at}); err != nil {
		t.Fatal(err)
	}
	// Saving a move from a state the case has left is refused.
	if err := st.SaveCase(ctx, store.CaseChange{Case: n, FromState: fraud.CaseOpen, Now: at}); !errors.Is(err, store.ErrCaseMoved) {
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
