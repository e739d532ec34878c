package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir("../sample/bundle")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("../sample/bundle", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func TestSampleBundleLoads(t *testing.T) {
	b, err := LoadDir("../sample/bundle", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != "2026.1" || len(b.Providers) != 7 || b.Schemes["resident"].Inpatient.Levels[3].Bands[3].UpTo != nil {
		t.Errorf("unexpected bundle %+v", b)
	}
	if b.Catalogue["XJ01DD04"].MaxUnitPrice.String() != "50" || !b.Providers["H3001"].HospitalCoefficient.Equal(b.Providers["H3001"].HospitalCoefficient) {
		t.Error("catalogue or provider fields")
	}
	b2, _ := LoadDir("../sample/bundle", testOptions)
	if b.Hash != b2.Hash {
		t.Error("the same bundle hashes differently")
	}
}

// TestErrorsNameFileLineColumn breaks one file at a time and checks the whole bundle is
// refused with the defect located.
func TestErrorsNameFileLineColumn(t *testing.T) {
	tests := []struct {
		name, file string
		edit       func(string) string
		want       string
	}{
		{"JSON syntax", FilePolicy, func(s string) string { return strings.Replace(s, `"region": "150900",`, `"region": "150900"`, 1) },
			"policy.json:5:3: not valid JSON: invalid character"},
		{"bad ratio", FilePolicy, func(s string) string { return strings.Replace(s, `"ratio": "0.85"`, `"ratio": "1.85"`, 1) },
			"policy.json:11:74: schemes.resident.inpatient.levels.1.bands[0].ratio: ratio 1.85 is outside 0..1"},
		{"not a decimal", FilePolicy, func(s string) string {
			return strings.Replace(s, `"readmission_reduction": "100"`, `"readmission_reduction": "1OO"`, 1)
		},
			`policy.json:50:28: readmission_reduction: "1OO" is not a decimal`},
		{"bands must rise", FilePolicy, func(s string) string {
			return strings.Replace(s, `{"up_to": "70000", "ratio": "0.70"}`, `{"up_to": "20000", "ratio": "0.70"}`, 1)
		},
			"schemes.resident.inpatient.levels.3.bands[1].up_to: bands must rise"},
		{"class A ratio", FileCatalogue, func(s string) string {
			return strings.Replace(s, "LAB01,Complete blood count,lab,A,1,", "LAB01,Complete blood count,lab,A,0.9,", 1)
		},
			"catalogue.csv:7:34: eligible_ratio: class A items are fully eligible"},
		{"class C ratio", FileCatalogue, func(s string) string {
			return strings.Replace(s, "SRV02,VIP room service,service,C,0,", "SRV02,VIP room service,service,C,0.5,", 1)
		},
			"catalogue.csv:18:34: eligible_ratio: class C items are self-pay"},
		{"bad date", FileMembers, func(s string) string { return strings.Replace(s, "1958-04-12", "1958-13-12", 1) },
			`members.csv:2:25: birth_date: "1958-13-12" is not a date`},
		{"unknown method", FileProviders, func(s string) string { return strings.Replace(s, "ffs|capitation", "ffs|barter", 1) },
			`providers.csv:2:55: methods: unknown payment method "barter"`},
		{"unknown column", FileSignups, func(s string) string {
			return strings.Replace(s, "member_id,provider_id,from,to", "member_id,provider_id,from,until", 1)
		},
			`signups.csv:1:28: unknown column "until"`},
		{"signup of unknown member", FileSignups, func(s string) string { return s + "M404,H1001,2026-01-01,\n" },
			"signups.csv:5:1: member_id: unknown member M404"},
		{"unknown grouper", FilePolicy, func(s string) string { return strings.Replace(s, `"chs-drg-1.1"`, `"chs-drg-9.9"`, 1) },
			`policy.json:5:14: grouper: no DRG grouper data set "chs-drg-9.9" (available: chs-drg-1.1)`},
		{"quote error", FileBudgets, func(s string) string { return s + "drg_region,\"150900,2026-04,1\n" },
			"budgets.csv:5:"},
		{"unknown fraud rule", FilePolicy, fraudSection(`"rules": {"teleportation": {"weight": "0.5"}}`),
			`fraud.rules.teleportation: unknown fraud rule "teleportation" (known: after_death, split_admission)`},
		{"unknown fraud rule key", FilePolicy, fraudSection(`"rules": {"split_admission": {"dayz": 15}}`),
			`policy.json:71:93: fraud.rules.split_admission.dayz: unknown key (known: enabled, days, weight)`},
		{"fraud weight above 1", FilePolicy, fraudSection(`"rules": {"after_death": {"weight": "1.5"}}`),
			`fraud.rules.after_death.weight: ratio 1.5 is outside 0..1`},
		{"fraud days below 1", FilePolicy, fraudSection(`"rules": {"split_admission": {"days": 0}}`),
			`fraud.rules.split_admission.days: must be at least 1, got 0`},
		{"fraud enabled not a boolean", FilePolicy, fraudSection(`"rules": {"after_death": {"enabled": "no"}}`),
			`fraud.rules.after_death.enabled: must be true or false`},
		{"hold below flag", FilePolicy, func(s string) string {
			return strings.Replace(s, `"hold_score": "0.8"`, `"hold_score": "0.4"`, 1)
		}, `fraud.hold_score: hold_score 0.4 is below flag_score 0.5`},
		{"unknown fraud key", FilePolicy, fraudSection(`"windows_days": 30`), `fraud.windows_days: unknown key`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := sampleFiles(t)
			files[tc.file] = []byte(tc.edit(string(files[tc.file])))
			b, err := FromFiles(files, testOptions)
			var be *BundleError
			if b != nil || !errors.As(err, &be) {
				t.Fatalf("bundle accepted (%v)", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n%v\nlacks %q", err, tc.want)
			}
		})
	}
}

func TestMissingRequiredFile(t *testing.T) {
	files := sampleFiles(t)
	delete(files, FileMembers)
	if _, err := FromFiles(files, testOptions); err == nil || !strings.Contains(err.Error(), "members.csv:1:1: required file is missing") {
		t.Errorf("err %v", err)
	}
}

func TestProviderStatusOn(t *testing.T) {
	b, err := LoadDir("../sample/bundle", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"H1001": Allowed, "H2002": NotDesignated, "H3009": Banned} {
		if got := b.Providers[id].StatusOn(mustDate("2026-09-01")); got != want {
			t.Errorf("%s on 2026-09-01: %q, want %q", id, got, want)
		}
	}
	if got := b.Providers["H2002"].StatusOn(mustDate("2027-01-31")); got != Allowed {
		t.Errorf("suspension over on its end date: %q", got)
	}
	if got := b.Providers["H3009"].StatusOn(mustDate("2029-04-01")); got != NotDesignated {
		t.Errorf("bar lifted: %q, want not designated (applicant)", got)
	}
}

func mustDate(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// FuzzPolicyJSON feeds arbitrary policy.json bytes (with the sample CSVs): the loader
// either accepts the bundle or refuses it with located errors, and never panics.
func FuzzPolicyJSON(f *testing.F) {
	files := map[string][]byte{}
	entries, _ := os.ReadDir("../sample/bundle")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".md") {
			files[e.Name()], _ = os.ReadFile(filepath.Join("../sample/bundle", e.Name()))
		}
	}
	f.Add(files[FilePolicy])
	f.Add([]byte(`{"version":"x","effective_from":"2026-01-01","schemes":{"r":{"inpatient":{"levels":{"1":{"deductible":"1","bands":[{"up_to":null,"ratio":"2"}]}}}}}}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, policyJSON []byte) {
		in := map[string][]byte{}
		for k, v := range files {
			in[k] = v
		}
		in[FilePolicy] = policyJSON
		b, err := FromFiles(in, testOptions)
		if err == nil {
			if b.Version == "" || len(b.Schemes) == 0 {
				t.Fatalf("accepted a bundle without version or schemes: %q", policyJSON)
			}
			return
		}
		var be *BundleError
		if !errors.As(err, &be) || len(be.Errs) == 0 {
			t.Fatalf("error without locations: %v", err)
		}
		for _, e := range be.Errs {
			if e.Line < 1 || e.Col < 1 || e.File == "" {
				t.Fatalf("bad location %+v", e)
			}
		}
	})
}

// testOptions name the grouper data set the sample bundle uses and two fraud rules.
var testOptions = Options{Groupers: []string{"chs-drg-1.1"}, FraudRules: map[string]map[string]string{
	"after_death":     {"weight": FraudWeight},
	"split_admission": {"weight": FraudWeight, "days": FraudInt},
}}

// fraudSection adds keys to the sample bundle's fraud section.
func fraudSection(keys string) func(string) string {
	return func(s string) string {
		return strings.Replace(s, `"hold_score": "0.8"`, `"hold_score": "0.8", `+keys, 1)
	}
}
