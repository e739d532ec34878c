package policy

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// FilePractitioners is the bundle's practitioner registry (FRAUD.md §9; optional).
const FilePractitioners = "practitioners.csv"

// PractitionerRoles are the roles a registered practitioner may have.
var PractitionerRoles = []string{"doctor", "nurse", "pharmacist", "technician", "billing"}

// Practitioner is one person of the registry: the national practitioner code, and the
// providers the person is registered at (multi-site practice, 多点执业).
type Practitioner struct {
	ID, Name, Role string
	ProviderIDs    []string
}

// RegisteredAt reports whether the person is registered at the provider.
func (p *Practitioner) RegisteredAt(providerID string) bool {
	for _, id := range p.ProviderIDs {
		if id == providerID {
			return true
		}
	}
	return false
}

// PeopleParams are fraud.people (FRAUD.md §9): the months of suspension by year total, the
// share of suspended staff that suspends a provider's payment, and the appeal window.
type PeopleParams struct {
	SuspendMonths map[int]int      // 9, 10, 11 → 1..6; nil: the defaults
	StaffShare    *decimal.Decimal // nil: the default
	AppealDays    int              // 0: the default
}

func (l *loader) practitioners(data []byte) {
	t := l.table(FilePractitioners, data, []string{"practitioner_id", "name", "role", "provider_ids"}, nil)
	if t == nil {
		return
	}
	l.b.Practitioners = map[string]*Practitioner{}
	for t.next() {
		p := &Practitioner{ID: t.need("practitioner_id"), Name: t.get("name"), Role: t.oneOf("role", "", PractitionerRoles...)}
		if p.Role == "" {
			t.errf("role", "a role is required (%s)", strings.Join(PractitionerRoles, ", "))
		}
		for _, id := range strings.Split(t.get("provider_ids"), "|") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			if _, ok := l.b.Providers[id]; !ok {
				t.errf("provider_ids", "provider %q is not in %s", id, FileProviders)
			}
			p.ProviderIDs = append(p.ProviderIDs, id)
		}
		if len(p.ProviderIDs) == 0 {
			t.errf("provider_ids", "name at least one provider the person is registered at (|-separated)")
		}
		if _, dup := l.b.Practitioners[p.ID]; dup && p.ID != "" {
			t.errf("practitioner_id", "practitioner %s appears twice", p.ID)
		}
		l.b.Practitioners[p.ID] = p
	}
}

// people reads fraud.people: suspend_months {"9": n, "10": n, "11": n} with n in 1..6,
// staff_suspend_share a ratio, appeal_days 1..365.
func (j *jctx) people(fm map[string]any) {
	pm := j.obj(fm["people"], "fraud.people", false)
	if pm == nil {
		return
	}
	p := &j.l.b.Fraud.People
	for k := range pm {
		if k != "suspend_months" && k != "staff_suspend_share" && k != "appeal_days" {
			j.err("fraud.people."+k, "unknown key (known: suspend_months, staff_suspend_share, appeal_days)")
		}
	}
	if sm := j.obj(pm["suspend_months"], "fraud.people.suspend_months", false); sm != nil {
		p.SuspendMonths = map[int]int{}
		for k := range sm {
			total, err := strconv.Atoi(k)
			path := "fraud.people.suspend_months." + k
			if err != nil || total < 9 || total > 11 {
				j.err(path, "a year total of 9, 10 or 11 points")
				continue
			}
			if n, ok := j.integer(sm, k, path, true); ok {
				if n < 1 || n > 6 {
					j.err(path, "%d months is outside 1..6", n)
				}
				p.SuspendMonths[total] = n
			}
		}
	}
	p.StaffShare = j.optRatio(pm, "staff_suspend_share", "fraud.people.staff_suspend_share")
	if n, ok := j.integer(pm, "appeal_days", "fraud.people.appeal_days", false); ok {
		if n < 1 || n > 365 {
			j.err("fraud.people.appeal_days", "%d is outside 1..365", n)
		}
		p.AppealDays = n
	}
}
