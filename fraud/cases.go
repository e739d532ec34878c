package fraud

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"medclaims/claim"
)

// Case states and events (FRAUD.md §5, CONTRACT.md fraud.cases).
const (
	CaseOpen      = "open"
	CaseNotified  = "notified"
	CaseResponded = "responded"
	CaseDecided   = "decided"

	EventOpened    = "opened"
	EventNotified  = "notified"
	EventResponded = "responded"
	EventDecided   = "decided"

	DecisionConfirm = "confirm"
	DecisionDismiss = "dismiss"
)

// Roles that act on cases; "system" opens a case on payment suspension.
const (
	ActorInvestigator = "investigator"
	ActorHospital     = "hospital"
	ActorAgency       = "agency"
	ActorSystem       = "system"
)

// ErrTransition is a move the case's state does not allow; ErrNotAllowed a move the actor
// may not make; ErrInvalid a decision whose content is wrong. Each wraps a reason.
var (
	ErrTransition = errors.New("not allowed in this state")
	ErrNotAllowed = errors.New("not allowed for this role")
	ErrInvalid    = errors.New("invalid decision")
)

// Actor is who moves a case.
type Actor struct {
	Name       string
	Role       string
	ProviderID string // a hospital's provider
}

// CaseEvent is one entry of a case's audit trail.
type CaseEvent struct {
	Event string    `json:"event"`
	State string    `json:"state"`
	By    string    `json:"by"`
	Role  string    `json:"role"`
	At    time.Time `json:"at"`
	Note  string    `json:"note"`
}

// Case is one provider's flags under review.
type Case struct {
	CaseID     string      `json:"case_id"`
	ProviderID string      `json:"provider_id"`
	State      string      `json:"state"`
	FlagIDs    []string    `json:"flag_ids"`
	ClaimIDs   []string    `json:"claim_ids"`
	OpenedAt   time.Time   `json:"opened_at"`
	Deadline   *time.Time  `json:"deadline,omitempty"`
	Statement  string      `json:"statement,omitempty"`
	Decision   string      `json:"decision,omitempty"`
	Findings   []Finding   `json:"findings,omitempty"`
	Appeal     *Appeal     `json:"appeal,omitempty"`
	Events     []CaseEvent `json:"events"`
}

// OpenCase opens a case on flags of one provider: an investigator's, or the system's when a
// provider's payment is suspended. flags must all be the provider's.
func OpenCase(id string, a Actor, providerID string, flags []Flag, at time.Time, note string) (Case, error) {
	if a.Role != ActorInvestigator && a.Role != ActorSystem {
		return Case{}, fmt.Errorf("open a case: %w: only investigators open cases", ErrNotAllowed)
	}
	if len(flags) == 0 {
		return Case{}, fmt.Errorf("open a case: %w: name at least one flag", ErrInvalid)
	}
	c := Case{CaseID: id, ProviderID: providerID, State: CaseOpen, OpenedAt: at, ClaimIDs: []string{}}
	for _, f := range flags {
		if f.ProviderID != providerID {
			return Case{}, fmt.Errorf("open a case: %w: flag %s is provider %s's, not %s's", ErrInvalid, f.FlagID, f.ProviderID, providerID)
		}
		c.FlagIDs = append(c.FlagIDs, f.FlagID)
		others := otherProviders(f)
		for i, cid := range f.ClaimIDs {
			if (i == 0 || !others[cid]) && !slices.Contains(c.ClaimIDs, cid) {
				c.ClaimIDs = append(c.ClaimIDs, cid)
			}
		}
	}
	slices.Sort(c.FlagIDs)
	slices.Sort(c.ClaimIDs)
	c.Events = []CaseEvent{{Event: EventOpened, State: CaseOpen, By: a.Name, Role: a.Role, At: at, Note: note}}
	return c, nil
}

// otherProviders lists the claim ids a flag's evidence names only at other providers (the
// other stay of an overlapping_stay, another hospital's duplicate): a case is about its
// provider's own claims, and the hospital reading it must not learn of another's. The
// evidence names each claim it refers to as an object with provider_id and claim_id.
func otherProviders(f Flag) map[string]bool {
	own, others := map[string]bool{}, map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			p, _ := v["provider_id"].(string)
			if id, ok := v["claim_id"].(string); ok && p != "" {
				if p == f.ProviderID {
					own[id] = true
				} else {
					others[id] = true
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(f.Evidence)
	for id := range own {
		delete(others, id)
	}
	return others
}

// Notify sends the provider the allegation; the deadline is the notice date plus
// responseDays.
func (c Case) Notify(a Actor, at time.Time, responseDays int, note string) (Case, error) {
	if a.Role != ActorInvestigator {
		return c, fmt.Errorf("notify case %s: %w: only investigators notify", c.CaseID, ErrNotAllowed)
	}
	if c.State != CaseOpen {
		return c, fmt.Errorf("notify case %s: %w: the case is %s; only an open case is notified", c.CaseID, ErrTransition, c.State)
	}
	d := at.AddDate(0, 0, responseDays)
	c.Deadline = &d
	return c.move(EventNotified, CaseNotified, a, at, note), nil
}

// Respond records the hospital's statement (申辩), once, before a decision.
func (c Case) Respond(a Actor, at time.Time, statement string) (Case, error) {
	if a.Role != ActorHospital || a.ProviderID != c.ProviderID {
		return c, fmt.Errorf("respond to case %s: %w: only the case's hospital (%s) responds", c.CaseID, ErrNotAllowed, c.ProviderID)
	}
	switch {
	case c.State == CaseOpen:
		return c, fmt.Errorf("respond to case %s: %w: the provider has not been notified yet", c.CaseID, ErrTransition)
	case c.State == CaseResponded:
		return c, fmt.Errorf("respond to case %s: %w: the hospital has already responded", c.CaseID, ErrTransition)
	case c.State == CaseDecided:
		return c, fmt.Errorf("respond to case %s: %w: the case is decided", c.CaseID, ErrTransition)
	case strings.TrimSpace(statement) == "":
		return c, fmt.Errorf("respond to case %s: %w: the statement is empty", c.CaseID, ErrInvalid)
	}
	c.Statement = statement
	return c.move(EventResponded, CaseResponded, a, at, statement), nil
}

// mayDecide says why a case cannot be decided now, or nil: it needs the notice and either
// the response or a passed deadline.
func (c Case) mayDecide(at time.Time) error {
	switch c.State {
	case CaseOpen:
		return fmt.Errorf("decide case %s: %w: notify the provider first", c.CaseID, ErrTransition)
	case CaseDecided:
		return fmt.Errorf("decide case %s: %w: the case is already decided (%s)", c.CaseID, ErrTransition, c.Decision)
	case CaseNotified:
		if c.Deadline != nil && !at.After(*c.Deadline) {
			return fmt.Errorf("decide case %s: %w: the hospital may respond until %s", c.CaseID, ErrTransition, c.Deadline.In(claim.Shanghai).Format("2006-01-02"))
		}
	}
	return nil
}

func (c Case) move(event, state string, a Actor, at time.Time, note string) Case {
	c.State = state
	c.Events = append(slices.Clip(c.Events), CaseEvent{Event: event, State: state, By: a.Name, Role: a.Role, At: at, Note: note})
	return c
}
