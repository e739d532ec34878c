package policy

import (
	"errors"
	"strings"
	"testing"
)

// TestCCEvidenceAndPackUnits: cc_evidence.csv read with items and categories, the longest
// prefix chosen; pack_units on the catalogue; each defect refused with its position.
func TestCCEvidenceAndPackUnits(t *testing.T) {
	files := sampleFiles(t)
	files[FileCCEvidence] = []byte("dx_prefix,evidence\nJ96,XJ01DD04|category:lab\nJ96.0,EXM01\nE87,category:lab\n")
	rows := strings.Split(strings.TrimSpace(string(files[FileCatalogue])), "\n") // the sample's pack_units: 28 for XC10AA05
	for i := 1; i < len(rows); i++ {
		if strings.HasPrefix(rows[i], "XC10AA05,") {
			rows[i] = strings.TrimSuffix(rows[i], "28") + "30"
		}
	}
	files[FileCatalogue] = []byte(strings.Join(rows, "\n") + "\n")
	b, err := FromFiles(files, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := b.EvidenceFor("J96.001")
	switch {
	case !ok || e.DxPrefix != "J96.0" || !e.Supported("EXM01", "exam") || e.Supported("XJ01DD04", "drug"):
		t.Errorf("J96.001: %+v", e)
	case b.Catalogue["XC10AA05"].PackUnits != 30 || b.Catalogue["LAB01"].PackUnits != 0:
		t.Errorf("pack_units: %d %d", b.Catalogue["XC10AA05"].PackUnits, b.Catalogue["LAB01"].PackUnits)
	}
	if e, ok := b.EvidenceFor("J96.100"); !ok || e.DxPrefix != "J96" || !e.Supported("LAB99", "lab") {
		t.Errorf("J96.100: %+v", e)
	}
	if _, ok := b.EvidenceFor("I10"); ok {
		t.Errorf("I10 has no evidence row")
	}
	for _, c := range []struct{ name, text, want string }{
		{"unknown item", "dx_prefix,evidence\nJ96,NOPE\n", `cc_evidence.csv:2:5: evidence: item "NOPE" is not in catalogue.csv`},
		{"unknown category", "dx_prefix,evidence\nJ96,category:xray\n", `category "xray" is not one of`},
		{"no evidence", "dx_prefix,evidence\nJ96,\n", "name at least one item code"},
		{"a prefix twice", "dx_prefix,evidence\nJ96,EXM01\nJ96,LAB01\n", `"J96" is given twice`},
	} {
		files := sampleFiles(t)
		files[FileCCEvidence] = []byte(c.text)
		b, err := FromFiles(files, testOptions)
		var be *BundleError
		if b != nil || !errors.As(err, &be) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
