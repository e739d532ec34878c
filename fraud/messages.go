package fraud

import (
	"encoding/json"
	"time"
)

// Message is an event a case move publishes once its transaction has committed: Kind is
// the topic without the configured prefix, Key its partition key (the provider).
type Message struct {
	Kind  string
	Key   string
	Value []byte
}

// Kinds of message (CONTRACT.md topics).
const (
	KindCaseEvent   = "fraud.cases"
	KindDesignation = "providers.status"
)

// FlagStatus is the status a case in its current state gives its flags: in_case while it
// is open (they join it on opening), confirmed or dismissed by its decision, "" when a
// move leaves them as they are.
func (c Case) FlagStatus() string {
	switch {
	case c.State == CaseOpen:
		return StatusInCase
	case c.State == CaseDecided && c.Decision == DecisionConfirm:
		return StatusConfirmed
	case c.State == CaseDecided && c.Decision == DecisionDismiss:
		return StatusDismissed
	}
	return ""
}

// Messages are the events of the case's last move: its fraud.cases event and, when the
// outcome changes the designation, the providers.status event.
func (c Case) Messages(o *Outcome) []Message {
	ev := c.Events[len(c.Events)-1]
	doc := map[string]any{"case_id": c.CaseID, "provider_id": c.ProviderID, "event": ev.Event, "state": c.State, "flag_ids": c.FlagIDs,
		"by": ev.By, "role": ev.Role, "at": ev.At.UTC(), "note": ev.Note}
	if c.Deadline != nil {
		doc["deadline"] = c.Deadline.UTC()
	}
	if c.State == CaseDecided {
		doc["decision"], doc["findings"] = c.Decision, orEmpty(c.Findings)
		if o != nil {
			doc["released_claims"], doc["denied_claims"] = orEmpty(o.Released), orEmpty(o.Denied)
		}
		if c.Appeal != nil {
			doc["appeal"] = c.Appeal
		}
		if o != nil && o.Reversals != nil {
			doc["released_claims"], doc["unrecovered_claims"] = orEmpty(o.Reversals.Released), orEmpty(o.Reversals.Unrecovered)
		}
	}
	out := []Message{{Kind: KindCaseEvent, Key: c.ProviderID, Value: mustJSON(doc)}}
	if o != nil && o.Designation != nil {
		d := o.Designation
		var until any // null when an appeal lifts the bar
		if !d.Until.IsZero() {
			until = d.Until.UTC().Format(time.DateOnly)
		}
		out = append(out, Message{Kind: KindDesignation, Key: c.ProviderID, Value: mustJSON(map[string]any{"provider_id": c.ProviderID,
			"status": d.Status, "banned_until": until, "reason": d.Reason, "case_id": c.CaseID,
			"decided_by": ev.By, "decided_at": ev.At.UTC()})})
	}
	if o != nil {
		out = append(out, qualificationMessages(c, ev, o.People)...)
	}
	return out
}

// qualificationMessages publish, on providers.status keyed by the person, each named
// practitioner's qualification after the decision: {"subject": "practitioner", …}.
func qualificationMessages(c Case, ev CaseEvent, people []PersonStatus) []Message {
	var out []Message
	for _, p := range people {
		doc := map[string]any{"subject": "practitioner", "practitioner_id": p.PractitionerID, "status": p.Status, "year": p.Year,
			"year_points": p.YearPoints, "case_id": c.CaseID, "decided_by": ev.By, "decided_at": ev.At.UTC()}
		if !p.Until.IsZero() {
			doc["until"] = p.Until.Format(time.DateOnly)
		}
		out = append(out, Message{Kind: KindDesignation, Key: p.PractitionerID, Value: mustJSON(doc)})
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// mustJSON encodes maps of plain values, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
