package policy

import (
	"slices"
	"strings"
)

// FileCCEvidence is the bundle's CC evidence table (FRAUD.md §8; optional).
const FileCCEvidence = "cc_evidence.csv"

// CCEvidence is what supports a secondary diagnosis counted as CC or MCC: a line of one of
// Items, or of one of Categories.
type CCEvidence struct {
	DxPrefix   string
	Items      []string
	Categories []string
}

// Supported reports whether a line of the item, in the category, is evidence.
func (e CCEvidence) Supported(item, category string) bool {
	return slices.Contains(e.Items, item) || slices.Contains(e.Categories, category)
}

// EvidenceFor is the evidence row of the longest dx_prefix a diagnosis starts with.
func (b *Bundle) EvidenceFor(dx string) (CCEvidence, bool) {
	var best CCEvidence
	found := false
	for _, e := range b.CCEvidence {
		if strings.HasPrefix(dx, e.DxPrefix) && len(e.DxPrefix) > len(best.DxPrefix) {
			best, found = e, true
		}
	}
	return best, found
}

// lineCategories are the catalogue's item categories.
var lineCategories = []string{"bed", "nursing", "exam", "lab", "drug", "material", "procedure", "service", "tcm"}

// ccEvidence reads cc_evidence.csv: dx_prefix,evidence — evidence is "|"-separated item
// codes of the catalogue or category:<category> tokens.
func (l *loader) ccEvidence(data []byte) {
	t := l.table(FileCCEvidence, data, []string{"dx_prefix", "evidence"}, nil)
	if t == nil {
		return
	}
	l.b.CCEvidence = []CCEvidence{}
	seen := map[string]bool{}
	for t.next() {
		e := CCEvidence{DxPrefix: t.need("dx_prefix")}
		if seen[e.DxPrefix] && e.DxPrefix != "" {
			t.errf("dx_prefix", "%q is given twice", e.DxPrefix)
		}
		seen[e.DxPrefix] = true
		for _, tok := range strings.Split(t.get("evidence"), "|") {
			switch tok = strings.TrimSpace(tok); {
			case tok == "":
			case strings.HasPrefix(tok, "category:"):
				c := strings.TrimPrefix(tok, "category:")
				if !slices.Contains(lineCategories, c) {
					t.errf("evidence", "category %q is not one of %s", c, strings.Join(lineCategories, ", "))
				}
				e.Categories = append(e.Categories, c)
			default:
				if _, ok := l.b.Catalogue[tok]; !ok {
					t.errf("evidence", "item %q is not in %s (write category:<category> for a category)", tok, FileCatalogue)
				}
				e.Items = append(e.Items, tok)
			}
		}
		if len(e.Items)+len(e.Categories) == 0 {
			t.errf("evidence", "name at least one item code or category:<category>, |-separated")
		}
		l.b.CCEvidence = append(l.b.CCEvidence, e)
	}
}
