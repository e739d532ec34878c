package policy

import (
	"errors"
	"strings"
	"testing"
)

// TestPractitionersAndOwners: the registry with multi-site practice, owner_id on providers,
// fraud.people over the defaults; each defect refuses the bundle with its position.
func TestPractitionersAndOwners(t *testing.T) {
	files := sampleFiles(t)
	files[FilePractitioners] = []byte("practitioner_id,name,role,provider_ids\nD017,Li Wei,doctor,H2001|H3001\nB001,Zhao Min,billing,H1001\n")
	files[FilePolicy] = []byte(strings.Replace(string(files[FilePolicy]), `"fraud": {`,
		`"fraud": {"people": {"suspend_months": {"10": 4}, "staff_suspend_share": "0.25", "appeal_days": 21}, `, 1))
	b, err := FromFiles(files, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	d := b.Practitioners["D017"]
	switch {
	case len(b.Practitioners) != 2 || d.Role != "doctor" || !d.RegisteredAt("H3001") || !d.RegisteredAt("H2001") || d.RegisteredAt("H1001"):
		t.Errorf("registry: %+v", b.Practitioners)
	case b.Providers["H1002"].OwnerID != "O-150921-0042" || b.Providers["H1001"].OwnerID != "O-150921-0042" || b.Providers["H3001"].OwnerID != "":
		t.Errorf("owners: %q %q", b.Providers["H1002"].OwnerID, b.Providers["H1001"].OwnerID)
	case b.Fraud.People.SuspendMonths[10] != 4 || b.Fraud.People.StaffShare.String() != "0.25" || b.Fraud.People.AppealDays != 21:
		t.Errorf("fraud.people: %+v", b.Fraud.People)
	}
	delete(files, FilePractitioners)
	if b, err := FromFiles(files, testOptions); err != nil || b.Practitioners != nil {
		t.Errorf("without practitioners.csv: %v %v", err, b.Practitioners)
	}
	for _, c := range []struct{ name, file, text, want string }{
		{"unknown role", FilePractitioners, "practitioner_id,name,role,provider_ids\nD1,x,surgeon,H1001\n", `practitioners.csv:2:6: role: "surgeon" is not one of`},
		{"unknown provider", FilePractitioners, "practitioner_id,name,role,provider_ids\nD1,x,nurse,H1001|H9999\n", `practitioners.csv:2:12: provider_ids: provider "H9999" is not in providers.csv`},
		{"no provider", FilePractitioners, "practitioner_id,name,role,provider_ids\nD1,x,nurse,\n", "name at least one provider"},
		{"twice", FilePractitioners, "practitioner_id,name,role,provider_ids\nD1,x,nurse,H1001\nD1,y,doctor,H1001\n", "practitioner D1 appears twice"},
		{"suspend months out of range", FilePolicy, `"fraud": {"people": {"suspend_months": {"9": 7}}, `, "fraud.people.suspend_months.9: 7 months is outside 1..6"},
		{"a total that does not suspend", FilePolicy, `"fraud": {"people": {"suspend_months": {"12": 1}}, `, "fraud.people.suspend_months.12: a year total of 9, 10 or 11"},
		{"unknown people key", FilePolicy, `"fraud": {"people": {"points": 3}, `, "fraud.people.points: unknown key"},
	} {
		files := sampleFiles(t)
		if c.file == FilePolicy {
			files[FilePolicy] = []byte(strings.Replace(string(files[FilePolicy]), `"fraud": {`, c.text, 1))
		} else {
			files[c.file] = []byte(c.text)
		}
		b, err := FromFiles(files, testOptions)
		var be *BundleError
		if b != nil || !errors.As(err, &be) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
