// Package sample ships the illustrative policy bundle and demo batch, and generates
// synthetic claims for benchmarks. Every number here is illustrative (see bundle/README.md);
// nothing in it is a binding policy.
package sample

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"math/rand/v2"

	"medclaims/claim"
	"medclaims/payment/drg"
	"medclaims/policy"
)

//go:embed bundle/*.json bundle/*.csv
var bundleFS embed.FS

//go:embed claims.jsonl
var demoClaims []byte

// BundleFS is the sample policy bundle as a file system.
func BundleFS() fs.FS {
	sub, err := fs.Sub(bundleFS, "bundle")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

// policyOptions validates the sample bundles against the grouper data sets shipped.
var policyOptions = policy.Options{Groupers: drg.Schemes()}

// Bundle loads the sample policy bundle.
func Bundle() (*policy.Bundle, error) { return policy.Load(BundleFS(), policyOptions) }

// bundleFiles reads the sample bundle's files, to build variants of it.
func bundleFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(BundleFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[path], err = fs.ReadFile(BundleFS(), path)
		return err
	})
	return files, err
}

// DemoBatch returns the demo batch: clean claims, a duplicate, a void, a replace and a set
// of invalid claims, one submission per item.
func DemoBatch() [][]byte {
	items, err := claim.ReadBatch(bytes.NewReader(demoClaims))
	if err != nil {
		panic(err)
	}
	return items
}

// SyntheticBundle is the sample bundle with n generated members (S0000001…), all resident
// or employee, a tenth poverty-registered, so benchmarks spread over many accumulators.
func SyntheticBundle(n int) (*policy.Bundle, error) {
	files, err := bundleFiles()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(files[policy.FileMembers])
	for i := 1; i <= n; i++ {
		scheme := "resident"
		if i%3 == 0 {
			scheme = "employee"
		}
		poverty, assist := "false", "none"
		if i%10 == 0 {
			poverty, assist = "true", "low_income"
		}
		fmt.Fprintf(&b, "%s,%s,150900,1960-01-01,%s,,%s,%s,,\n", SyntheticMember(i), scheme, []string{"M", "F"}[i%2], poverty, assist)
	}
	files[policy.FileMembers] = b.Bytes()
	var su bytes.Buffer
	su.Write(files[policy.FileSignups])
	for i := 4; i <= n; i += 4 { // every fourth member signed up with H1001 for capitation
		fmt.Fprintf(&su, "%s,H1001,2026-01-01,\n", SyntheticMember(i))
	}
	files[policy.FileSignups] = su.Bytes()
	return policy.FromFiles(files, policyOptions)
}

// SyntheticMember names the i-th synthetic member.
func SyntheticMember(i int) string { return fmt.Sprintf("S%07d", i) }

// synthItems are the catalogue items synthetic claims bill, with the sample catalogue's
// max_daily_qty: a clean bill stays within it.
var synthItems = []struct {
	code, cat, price string
	maxDaily         int
}{
	{"BED01", "bed", "60.00", 1}, {"NUR01", "nursing", "30.00", 1}, {"EXM01", "exam", "280.00", 2}, {"LAB01", "lab", "25.00", 3},
	{"LAB02", "lab", "180.00", 2}, {"XC10AA05", "drug", "2.40", 2}, {"XJ01DD04", "drug", "48.50", 4}, {"PRC01", "procedure", "8200.00", 1},
	{"PRC02", "procedure", "4200.00", 1}, {"SRV01", "service", "30.00", 3}, {"TCM01", "tcm", "45.00", 2}, {"MAT01", "material", "6500.00", 3},
}

// synthStays are inpatient case templates: provider, ward, diagnoses, procedures. With the
// sample bundle they are priced by DRG (FM19, GZ13, ES15, KS15), per disease, per bed-day
// and fee-for-service.
var synthStays = []struct{ provider, ward, dx, px string }{
	{"H3001", "general", `"T82.810","F60.302"`, `"36.0700x004"`},
	{"H2001", "general", `"K22.301","K11.901","E11.900"`, `"96.0800x005"`},
	{"H3001", "general", `"A15.500x011","K31.600x004"`, ``},
	{"H3001", "general", `"E10.600x042"`, `"14.5905"`},
	{"H3001", "general", `"K35.800"`, `"47.0901"`},
	{"H2001", "general", `"K35.800"`, `"47.0901"`},
	{"H3002", "psychiatric", `"F20.000"`, ``},
	{"H1002", "general", `"J18.900"`, ``},
}

var synthVisits = []string{"H1001", "H1001", "H2001", "H1002"}

// Synthetic generates n valid claims (JSON objects) over members S0000001…S<members>,
// inpatient and outpatient, 2026 dates, deterministic for a seed; drug lines carry a
// traceability code each, never reused. A claim bills distinct
// items within their daily caps, so its own lines raise no fraud rule; claims of one
// member may still overlap by chance, as real ones do.
func Synthetic(n, members int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([][]byte, n)
	for i := range out {
		m := SyntheticMember(1 + r.IntN(members))
		month, day := 1+r.IntN(10), 1+r.IntN(17) // stays end by day 27: valid in every month
		start := fmt.Sprintf("2026-%02d-%02d", month, day)
		var buf bytes.Buffer
		nLines := 2 + r.IntN(5)
		inpatient := r.IntN(3) > 0
		end := start
		if inpatient {
			st := synthStays[r.IntN(len(synthStays))]
			end = fmt.Sprintf("2026-%02d-%02d", month, day+3+r.IntN(8))
			fmt.Fprintf(&buf, `{"claim_id":"%s-SYN-%d-%08d","provider_id":"%s","member_id":"%s",`, st.provider, seed, i, st.provider, m)
			fmt.Fprintf(&buf, `"care_type":"inpatient","ward_type":"%s","admitted":"%s","discharged":"%s","emergency":%t,`, st.ward, start, end, r.IntN(4) == 0)
			fmt.Fprintf(&buf, `"diagnoses":[%s],"procedures":[%s],"lines":[`, st.dx, st.px)
		} else {
			p := synthVisits[r.IntN(len(synthVisits))]
			fmt.Fprintf(&buf, `{"claim_id":"%s-SYN-%d-%08d","provider_id":"%s","member_id":"%s",`, p, seed, i, p, m)
			fmt.Fprintf(&buf, `"care_type":"outpatient","service_date":"%s","diagnoses":["J06.900"],"lines":[`, start)
		}
		total := 0
		picked := r.Perm(len(synthItems))
		for l := 0; l < nLines; l++ {
			it := synthItems[picked[l]]
			qty := 1 + r.IntN(it.maxDaily)
			cents := qty * parseCents(it.price)
			total += cents
			if l > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"line_no":%d,"item_code":"%s","category":"%s","service_date":"%s","quantity":"%d","unit_price":"%s","amount":"%s"`,
				l+1, it.code, it.cat, start, qty, it.price, centsString(cents))
			if it.cat == "drug" { // every box is scanned at settlement (药品追溯码): a code of its own
				fmt.Fprintf(&buf, `,"trace_codes":["9%04d%08d%07d"]`, seed%10000, i, l)
			}
			buf.WriteByte('}')
		}
		fmt.Fprintf(&buf, `],"total":"%s"}`, centsString(total))
		out[i] = buf.Bytes()
	}
	return out
}

func parseCents(s string) int {
	var y, c int
	fmt.Sscanf(s, "%d.%d", &y, &c)
	return y*100 + c
}

func centsString(c int) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
