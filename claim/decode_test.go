package claim

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const goodClaim = `{"claim_id":"C1","provider_id":"H1001","member_id":"M1","care_type":"inpatient",
 "admitted":"2026-03-01","discharged":"2026-03-04","emergency":false,
 "referral":{"from_provider_id":"H0","from_claim_id":"X","direction":"up","approved":true},
 "newborn":{"age_days":3,"birth_weight_g":2300},
 "lines":[{"line_no":1,"item_code":"BED01","service_date":"2026-03-02","quantity":"3","unit_price":"60.005","amount":"180.015"},
          {"line_no":2,"item_code":"LAB01","service_date":"2026-03-03","quantity":2,"unit_price":12.5,"amount":25}],
 "total":"205.015"}`

var today = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func TestDecodeExactDecimals(t *testing.T) {
	s, err := DecodeSubmission([]byte(goodClaim))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Problems.Empty() || s.Kind != KindClaim {
		t.Fatalf("problems %+v kind %s", s.Problems, s.Kind)
	}
	if got := s.Claim.Lines[0].Amount.String(); got != "180.015" {
		t.Errorf("amount %s, want 180.015 exactly", got)
	}
	if got := s.Claim.Lines[1].UnitPrice.String(); got != "12.5" {
		t.Errorf("JSON number unit_price %s, want 12.5", got)
	}
	if r := Check(&s.Claim, today); len(r) != 0 {
		t.Errorf("a sound claim has reasons %v", r)
	}
	if s.Claim.LOS() != 3 || !s.Claim.ApprovedReferral() || s.Claim.Newborn.BirthWeightG != 2300 {
		t.Errorf("LOS %d referral %v newborn %+v", s.Claim.LOS(), s.Claim.Referral, s.Claim.Newborn)
	}
}

func TestUndecodableGoesToDLQ(t *testing.T) {
	for _, in := range []string{"", "null", "[1]", `"x"`, "{", `{"a":1} trailing`, "\x00\xff", "42"} {
		if _, err := DecodeSubmission([]byte(in)); !errors.Is(err, ErrUndecodable) {
			t.Errorf("%q: err %v, want ErrUndecodable", in, err)
		}
	}
}

func TestProblemsAreGroupedAndSpecific(t *testing.T) {
	in := `{"kind":"claim","claim":{"claim_id":"` + strings.Repeat("x", 65) + `","provider_id":7,"care_type":"inpatient",
	  "admitted":"2026-02-30","emergency":"yes","cross_region":"mars",
	  "referral":{"direction":"sideways","approved":1},"newborn":{"age_days":400,"birth_weight_g":0.5},
	  "lines":[{"item_code":"A","service_date":"2026-03-01","quantity":"NaN","unit_price":"1e100000","amount":""}],"total":"1"}}`
	s, err := DecodeSubmission([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	reasons := ProblemReasons(s.Problems)
	if len(reasons) != 2 || reasons[0].Code != ReasonMissingField || reasons[1].Code != ReasonMalformed {
		t.Fatalf("reasons %+v", reasons)
	}
	for _, want := range []string{"claim.member_id", "claim.discharged", "claim.lines[0].amount"} {
		if !strings.Contains(reasons[0].Message, want) {
			t.Errorf("missing_field message lacks %s: %s", want, reasons[0].Message)
		}
	}
	for _, want := range []string{"claim.claim_id", "claim.provider_id", "claim.admitted", "claim.emergency", "claim.cross_region",
		"claim.referral.direction", "claim.referral.approved", "claim.newborn.age_days", "claim.newborn.birth_weight_g",
		"claim.lines[0].quantity", "claim.lines[0].unit_price"} {
		if !strings.Contains(reasons[1].Message, want) {
			t.Errorf("malformed message lacks %s: %s", want, reasons[1].Message)
		}
	}
}

func TestEmptyLinesAndVoidIDs(t *testing.T) {
	s, _ := DecodeSubmission([]byte(`{"claim_id":"C","provider_id":"P","member_id":"M","care_type":"outpatient","service_date":"2026-01-01","lines":[],"total":"0"}`))
	if len(s.Problems.Missing) != 1 || s.Problems.Missing[0] != "lines" {
		t.Errorf("empty lines: %+v", s.Problems)
	}
	s, _ = DecodeSubmission([]byte(`{"kind":"void","provider_id":"P","claim_id":"C","member_id":"M"}`))
	if !s.Problems.Empty() || s.Claim.ClaimID != "C" || s.Kind != KindVoid {
		t.Errorf("void with top-level ids: %+v", s)
	}
	s, _ = DecodeSubmission([]byte(`{"kind":"void","claim":{}}`))
	if len(s.Problems.Missing) != 3 {
		t.Errorf("void without ids: %+v", s.Problems)
	}
	s, _ = DecodeSubmission([]byte(`{"kind":"cancel","claim":{}}`))
	if len(s.Problems.Malformed) == 0 {
		t.Errorf("unknown kind not malformed: %+v", s.Problems)
	}
}

func TestContentHashComparesDecimalsNumerically(t *testing.T) {
	a, _ := DecodeSubmission([]byte(`{"claim_id":"C","total":"30","x":{"b":1,"a":[1,2]}}`))
	b, _ := DecodeSubmission([]byte(`{"x":{"a":[1,2.0],"b":1.00},"total":30.00,"claim_id":"C"}`))
	c, _ := DecodeSubmission([]byte(`{"claim_id":"C","total":"30.01","x":{"b":1,"a":[1,2]}}`))
	d, _ := DecodeSubmission([]byte(`{"claim_id":"C","total":"30","x":{"b":1,"a":[2,1]}}`))
	if a.ContentHash != b.ContentHash {
		t.Error("equal content (30 = 30.00, key order) hashes differently")
	}
	if a.ContentHash == c.ContentHash || a.ContentHash == d.ContentHash {
		t.Error("different content hashes alike")
	}
	env, _ := DecodeSubmission([]byte(`{"kind":"claim","batch_id":"B2","claim":{"claim_id":"C","total":"30.0","x":{"b":1,"a":[1,2]}}}`))
	if env.ContentHash != a.ContentHash {
		t.Error("envelope and bare claim of the same content hash differently")
	}
}

func TestCheck(t *testing.T) {
	mk := func(edit func(string) string) *Claim {
		s, err := DecodeSubmission([]byte(edit(goodClaim)))
		if err != nil {
			t.Fatal(err)
		}
		return &s.Claim
	}
	tests := []struct {
		name  string
		edit  func(string) string
		codes []string
		in    string
	}{
		{"discharge before admission", func(s string) string { return strings.Replace(s, `"2026-03-04"`, `"2026-02-27"`, 1) },
			[]string{ReasonBadDates}, "before admitted"},
		{"line after discharge", func(s string) string { return strings.Replace(s, `"2026-03-03"`, `"2026-03-05"`, 1) },
			[]string{ReasonBadDates}, "after discharge"},
		{"future in Shanghai", func(s string) string {
			return strings.NewReplacer(`"2026-03-04"`, `"2026-12-01"`, `"2026-03-03"`, `"2026-12-01"`).Replace(s)
		}, []string{ReasonBadDates}, "in the future"},
		{"amount exact with three decimals", func(s string) string { return strings.Replace(s, `"amount":"180.015"`, `"amount":"180.02"`, 1) },
			[]string{ReasonAmountMismatch, ReasonTotalMismatch}, "180.015"},
		{"negative quantity", func(s string) string {
			return strings.NewReplacer(`"quantity":2,`, `"quantity":-2,`, `"amount":25`, `"amount":-25`, `"205.015"`, `"155.015"`).Replace(s)
		}, []string{ReasonNegativeValue}, "quantity is -2"},
		{"total", func(s string) string { return strings.Replace(s, `"205.015"`, `"205.01"`, 1) },
			[]string{ReasonTotalMismatch}, "205.015"},
		{"a price of 1e999 is not money", func(s string) string {
			return strings.NewReplacer(`"unit_price":12.5,"amount":25`, `"unit_price":"1e999","amount":"2e999"`, `"205.015"`, `"2e999"`).Replace(s)
		}, []string{ReasonOutOfRange}, "line 2 unit_price is above 10000000; line 2 amount is above 100000000; total is above 100000000"},
		{"a quantity over the bound", func(s string) string {
			return strings.NewReplacer(`"quantity":2,"unit_price":12.5,"amount":25`, `"quantity":100001,"unit_price":0,"amount":0`, `"205.015"`, `"180.015"`).Replace(s)
		}, []string{ReasonOutOfRange}, "line 2 quantity is above 100000"},
		{"at the bounds", func(s string) string {
			return strings.NewReplacer(`"quantity":2,"unit_price":12.5,"amount":25`, `"quantity":10,"unit_price":10000000,"amount":100000000`,
				`"205.015"`, `"100000180.015"`).Replace(s)
		}, []string{ReasonOutOfRange}, "total is above"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := Check(mk(tc.edit), today)
			var codes []string
			all := ""
			for _, r := range rs {
				codes = append(codes, r.Code)
				all += r.Message
			}
			if strings.Join(codes, ",") != strings.Join(tc.codes, ",") || !strings.Contains(all, tc.in) {
				t.Errorf("codes %v (%s), want %v mentioning %q", codes, all, tc.codes, tc.in)
			}
		})
	}
	// 2026-11-30 16:30 UTC is already 2026-12-01 in Shanghai.
	if got := Today(time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)); got.Day() != 1 {
		t.Errorf("Today in Shanghai = %v", got)
	}
}

func TestReadBatchFormats(t *testing.T) {
	arr, err := ReadBatch(strings.NewReader(`[{"claim_id":"A"}, {"claim_id":"B"}]`))
	if err != nil || len(arr) != 2 {
		t.Fatalf("array: %d %v", len(arr), err)
	}
	lines, err := ReadBatch(strings.NewReader("{\"claim_id\":\"A\"}\n\n{broken\n{\"claim_id\":\"C\"}\n"))
	if err != nil || len(lines) != 3 || string(lines[1]) != "{broken" {
		t.Fatalf("lines: %q %v", lines, err)
	}
	csv := "claim_id,provider_id,member_id,care_type,service_date,diagnoses,total,line_no,item_code,line_service_date,quantity,unit_price,amount\n" +
		"V1,H1,M1,outpatient,2026-03-01,J06.900|E11.900,50.00,1,SRV01,2026-03-01,1,30.00,30.00\n" +
		"V1,H1,M1,outpatient,2026-03-01,J06.900|E11.900,50.00,2,LAB01,2026-03-01,1,20.00,20.00\n" +
		"V2,H1,M2,outpatient,2026-03-02,,10,1,LAB01,2026-03-02,1,10,10\n"
	items, err := ReadBatch(strings.NewReader(csv))
	if err != nil || len(items) != 2 {
		t.Fatalf("csv: %d %v", len(items), err)
	}
	s, err := DecodeSubmission(items[0])
	if err != nil || !s.Problems.Empty() || len(s.Claim.Lines) != 2 || len(s.Claim.Diagnoses) != 2 {
		t.Fatalf("csv claim: %+v %v", s, err)
	}
	if r := Check(&s.Claim, today); len(r) != 0 {
		t.Errorf("csv claim reasons %v", r)
	}
	if _, err := ReadBatch(strings.NewReader("claim_id,colour\nA,red\n")); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown CSV column: %v", err)
	}
}

func TestEnvelope(t *testing.T) {
	v, k := Envelope([]byte(`{"claim_id":"A","member_id":"M7","total":"1.10"}`), "B1")
	s, err := DecodeSubmission(v)
	if err != nil || string(k) != "M7" || s.BatchID != "B1" || s.Kind != KindClaim || s.Claim.Total.String() != "1.1" {
		t.Errorf("bare claim: %s key %s %+v %v", v, k, s, err)
	}
	if !strings.Contains(string(v), `"total":"1.10"`) {
		t.Errorf("the claim's bytes must be kept as sent: %s", v)
	}
	v, k = Envelope([]byte(`{"kind":"void","claim":{"provider_id":"P","claim_id":"C","member_id":"M8"}}`), "B2")
	s, _ = DecodeSubmission(v)
	if string(k) != "M8" || s.BatchID != "B2" || s.Kind != KindVoid {
		t.Errorf("void envelope: %s key %s", v, k)
	}
	if v, k := Envelope([]byte("garbage"), "B"); string(v) != "garbage" || k != nil {
		t.Errorf("garbage must pass through unchanged")
	}
}

func FuzzDecodeSubmission(f *testing.F) {
	f.Add([]byte(goodClaim))
	f.Add([]byte(`{"kind":"void","claim":{"provider_id":"P","claim_id":"C","member_id":"M"}}`))
	f.Add([]byte(`{"kind":"replace","claim":{"lines":[{"quantity":"1e5"}]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSubmission(b)
		if err != nil {
			if !errors.Is(err, ErrUndecodable) {
				t.Fatalf("error not marked undecodable: %v", err)
			}
			return
		}
		_ = Check(&s.Claim, today)
		_ = ProblemReasons(s.Problems)
		if s.Kind != KindClaim && s.Kind != KindVoid && s.Kind != KindReplace {
			t.Fatalf("kind %q", s.Kind)
		}
	})
}

func TestNormalizePlainMatchesDecimal(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "30", "30.00", "007.50", "-12.3400", "0.001", "100", "-0.000", "123456789012345678901234.5600"} {
		got, ok := normalizePlain(s)
		want := decimal.RequireFromString(s).String()
		if !ok || got != want {
			t.Errorf("normalizePlain(%q) = %q %v, want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "1e5", "1.", ".5", "+1", "1,5", "NaN", "0x10"} {
		if _, ok := normalizePlain(s); ok {
			t.Errorf("normalizePlain(%q) accepted", s)
		}
	}
}

// FuzzReadBatch: batch files of any bytes are read or refused with an error, never a panic,
// and every item read is returned as it was given.
func FuzzReadBatch(f *testing.F) {
	f.Add([]byte(`[{"claim_id":"A"},{"claim_id":"B"}]`))
	f.Add([]byte("{\"claim_id\":\"A\"}\n{broken\n"))
	f.Add([]byte("claim_id,provider_id,member_id,total,line_no,item_code\nC,P,M,1,1,X\nC,P,M,1,2,Y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ReadBatch(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, it := range items {
			v, _ := Envelope(it, "B")
			if len(v) == 0 && len(it) != 0 {
				t.Fatalf("envelope lost the item %q", it)
			}
		}
	})
}

// TestTraceCodes: a drug line's traceability codes are read as sent, 20 digits each; any
// other code is malformed at its position; the CSV column takes them "|"-separated.
func TestTraceCodes(t *testing.T) {
	line := func(codes string) string {
		return `{"claim_id":"C1","provider_id":"H1","member_id":"M1","care_type":"outpatient","service_date":"2026-03-01","total":"10",
		  "lines":[{"item_code":"X","service_date":"2026-03-01","quantity":"1","unit_price":"10","amount":"10","trace_codes":` + codes + `}]}`
	}
	s, err := DecodeSubmission([]byte(line(`["81234567890123456789","81234567890123456790"]`)))
	if err != nil || !s.Problems.Empty() || strings.Join(s.Claim.Lines[0].TraceCodes, ",") != "81234567890123456789,81234567890123456790" {
		t.Fatalf("two codes: %v %+v %v", err, s.Problems, s.Claim.Lines[0].TraceCodes)
	}
	for _, bad := range []string{`["8123456789012345678"]`, `["8123456789012345678x"]`, `"81234567890123456789"`, `[81234567890123456789]`} {
		s, _ := DecodeSubmission([]byte(line(bad)))
		if r := ProblemReasons(s.Problems); len(r) != 1 || r[0].Code != ReasonMalformed || !strings.Contains(r[0].Message, "lines[0].trace_codes") {
			t.Errorf("%s: %+v", bad, r)
		}
	}
	csv := strings.Join(CSVColumns, ",") + "\n" +
		"claim,C1,H1,M1,outpatient,,,,2026-03-01,,,,,,,,,,,,,10,1,X,drug,2026-03-01,1,10,10,,,,81234567890123456789|81234567890123456790\n"
	items, err := ReadBatch(strings.NewReader(csv))
	if err != nil || len(items) != 1 {
		t.Fatal(err)
	}
	s, _ = DecodeSubmission(items[0])
	if got := strings.Join(s.Claim.Lines[0].TraceCodes, ","); got != "81234567890123456789,81234567890123456790" || !s.Problems.Empty() {
		t.Errorf("CSV: %q %+v", got, s.Problems)
	}
}
