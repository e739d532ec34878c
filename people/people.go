// Package people shows practitioners' payment qualification (FRAUD.md §9) to the API and
// the command line alike: the registry of the bundle in force, the points ledgers, and the
// status `fraud.Qualify` derives from them at the service clock. A hospital sees the people
// registered at it, and in a shared person's ledger only its own cases' ids.
package people

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
	"medclaims/store"
)

// ErrNotFound is a practitioner unknown, or not visible to the viewer.
var ErrNotFound = errors.New("no such practitioner")

// Record is a practitioner as CONTRACT.md shows one.
type Record struct {
	PractitionerID string   `json:"practitioner_id"`
	Name           string   `json:"name"`
	Role           string   `json:"role"`
	ProviderIDs    []string `json:"provider_ids"`
	Status         string   `json:"status"`
	Until          string   `json:"until,omitempty"` // exclusive, YYYY-MM-DD
	Year           int      `json:"year"`
	YearPoints     int      `json:"year_points"`
	Ledger         []Entry  `json:"ledger"`
}

// Entry is one ledger entry as shown.
type Entry struct {
	At      time.Time `json:"at"`
	Year    int       `json:"year"`
	Points  int       `json:"points"`
	CaseID  string    `json:"case_id,omitempty"` // omitted for another provider's case, to a hospital
	Finding int       `json:"finding"`
	Kind    string    `json:"kind"`
}

// Service reads practitioners.
type Service struct {
	Store    *store.Store
	Policies *store.PolicyCache
	Now      func() time.Time
}

// Filter narrows a list: by status, by the provider the people are registered at.
type Filter struct{ Status, ProviderID string }

// List returns the practitioners the viewer may see ("" for the agency and investigators;
// a hospital's provider id), by id.
func (s Service) List(ctx context.Context, viewer string, f Filter) ([]Record, error) {
	reg, ledgers, now, params, err := s.read(ctx, nil)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for id := range reg {
		ids[id] = true
	}
	for id := range ledgers {
		ids[id] = true
	}
	var out []Record
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		r := record(id, reg[id], ledgers[id], now, params, viewer)
		if visible(r, viewer) && (f.Status == "" || r.Status == f.Status) && (f.ProviderID == "" || slices.Contains(r.ProviderIDs, f.ProviderID)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Get returns one practitioner, or ErrNotFound.
func (s Service) Get(ctx context.Context, viewer, id string) (Record, error) {
	reg, ledgers, now, params, err := s.read(ctx, []string{id})
	if err != nil {
		return Record{}, err
	}
	if reg[id] == nil && len(ledgers[id]) == 0 {
		return Record{}, ErrNotFound
	}
	r := record(id, reg[id], ledgers[id], now, params, viewer)
	if !visible(r, viewer) {
		return Record{}, ErrNotFound
	}
	return r, nil
}

// read gathers the registry in force today, the ledgers (of ids, or all) and the params.
func (s Service) read(ctx context.Context, ids []string) (map[string]*policy.Practitioner, map[string][]fraud.PointsEntry, time.Time, fraud.PeopleParams, error) {
	now := s.Now()
	ps, err := s.Policies.Get(ctx)
	if err != nil {
		return nil, nil, now, fraud.PeopleParams{}, err
	}
	ledgers, err := s.Store.Points(ctx, ids)
	if err != nil {
		return nil, nil, now, fraud.PeopleParams{}, err
	}
	b := ps.InForce(claim.Today(now))
	if b == nil {
		return nil, ledgers, now, fraud.DefaultPeople(), nil
	}
	return b.Practitioners, ledgers, now, fraud.NewParams(b.Fraud).People, nil
}

func record(id string, p *policy.Practitioner, ledger []fraud.PointsEntry, now time.Time, params fraud.PeopleParams, viewer string) Record {
	q := fraud.Qualify(ledger, now, params)
	r := Record{PractitionerID: id, ProviderIDs: []string{}, Status: q.Status, Year: q.Year, YearPoints: q.YearPoints, Ledger: []Entry{}}
	if p != nil {
		r.Name, r.Role, r.ProviderIDs = p.Name, p.Role, slices.Clone(p.ProviderIDs)
	}
	if !q.Until.IsZero() {
		r.Until = claim.FormatDate(q.Until)
	}
	for _, e := range ledger {
		x := Entry{At: e.At, Year: e.Year, Points: e.Points, CaseID: e.CaseID, Finding: e.Finding, Kind: e.Kind}
		if viewer != "" && e.CaseProvider != viewer {
			x.CaseID = ""
		}
		r.Ledger = append(r.Ledger, x)
	}
	sort.SliceStable(r.Ledger, func(i, j int) bool { return r.Ledger[i].At.Before(r.Ledger[j].At) })
	return r
}

// visible: the agency and investigators see everyone; a hospital the people registered at it.
func visible(r Record, viewer string) bool {
	return viewer == "" || slices.Contains(r.ProviderIDs, viewer)
}

// Register is the sanction register with each row's derived columns (FRAUD.md §9.6): a
// person's row carries the points the case gave them (net of amendments), their status and
// its end now; a provider's row the designation its decision made.
func (s Service) Register(ctx context.Context) ([]fraud.Sanction, error) {
	list, err := s.Store.Sanctions(ctx)
	if err != nil {
		return nil, err
	}
	_, ledgers, now, params, err := s.read(ctx, nil)
	if err != nil {
		return nil, err
	}
	cases := map[string]*fraud.Case{}
	for i := range list {
		sn := &list[i]
		c, ok := cases[sn.CaseID]
		if !ok {
			if c, err = s.Store.Case(ctx, sn.CaseID); err != nil {
				return nil, err
			}
			cases[sn.CaseID] = c
		}
		amended(sn, c)
		if sn.PractitionerID == "" {
			if sn.Status == "" {
				sn.Status = providerStatus(sn)
			}
			continue
		}
		q := fraud.Qualify(ledgers[sn.PractitionerID], now, params)
		sn.Status, sn.Until = q.Status, nil
		if !q.Until.IsZero() {
			u := q.Until
			sn.Until = &u
		}
		points := 0
		for _, e := range ledgers[sn.PractitionerID] {
			if e.CaseID == sn.CaseID {
				points += e.Points
			}
		}
		sn.Points = &points
	}
	return list, nil
}

// amended marks a row of a case an appeal amended: when, and a withdrawn finding's
// provider row as withdrawn (its bar or suspension lifted). The row stays.
func amended(sn *fraud.Sanction, c *fraud.Case) {
	if c.Appeal == nil || c.Appeal.Outcome != fraud.AppealAmend {
		return
	}
	sn.AmendedAt = c.Appeal.DecidedAt
	for _, f := range c.Findings {
		if f.Type == sn.Finding {
			return
		}
	}
	if sn.PractitionerID == "" {
		sn.Status, sn.Until = "withdrawn", nil
	}
}

// providerStatus is the designation a provider row's decision made: a bar, a suspension, or
// none.
func providerStatus(sn *fraud.Sanction) string {
	switch {
	case sn.Finding == fraud.FindingFabricated:
		return "terminated"
	case sn.Until != nil:
		return "suspended"
	}
	return ""
}
