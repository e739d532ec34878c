package claim

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestBatchReaderStrict: every way a batch file can hold more or less than it seems is
// either read exactly or refused with the line and column.
func TestBatchReaderStrict(t *testing.T) {
	cases := []struct {
		name, in string
		items    []string // want the items' Where
		err      string   // or this error
	}{
		{"array", "[{\"a\":1},\n {\"b\":2}]\n", []string{"item 1 (line 1)", "item 2 (line 2)"}, ""},
		{"second array after the first", "[{\"a\":1}]\n[{\"b\":2}]", nil, "line 2 column 1: trailing content after the JSON array"},
		{"text after the array", "[{\"a\":1}] extra", nil, "line 1 column 11: trailing content"},
		{"trailing comma", "[{\"a\":1},]", nil, "line 1 column 10: a comma before ]"},
		{"missing comma", "[{\"a\":1} {\"b\":2}]", nil, "line 1 column 10: expected , or ]"},
		{"unclosed array", "[{\"a\":1}", nil, "the JSON array is not closed"},
		{"bad element", "[{\"a\":1},\n {\"b\":x}]", nil, "line 2 column 7: not valid JSON"},
		{"one pretty-printed object", "{\n  \"claim_id\": \"A\",\n  \"lines\": [\n    {\"x\": 1}\n  ]\n}\n", []string{"lines 1–6"}, ""},
		{"two pretty-printed objects", "{\n \"a\": 1\n}\n{\n \"b\": 2\n}", []string{"lines 1–3", "lines 4–6"}, ""},
		{"JSON lines with a bad line kept", "{\"a\":1}\n\n{broken\n{\"c\":3}\n", []string{"line 1", "line 3", "line 4"}, ""},
		{"two values on one line", "{\"a\":1} {\"b\":2}\n", nil, "line 1 column 9: more content after the JSON value"},
		{"value then text on its last line", "{\n\"a\":1\n} x\n", nil, "line 3 column 3: more content after the JSON value"},
		{"incomplete value", "{\"a\":\n  1,\n", nil, "line 1 column 1: the JSON value starting here is not complete"},
		{"bad multi-line value", "{\"a\":\n  1,,\n}", nil, "line 2 column 5: not valid JSON"},
		{"empty", " \n\t", nil, "the batch file is empty"},
		{"empty array", "[ ]", nil, ""},
		{"CSV", "claim_id,provider_id,line_no\nA,H1,1\nA,H1,2\nB,H1,1\n", []string{"CSV lines 2–3", "CSV line 4"}, ""},
		{"CSV bad quote", "claim_id,provider_id\n\"A,H1\n", nil, "CSV line 2 column"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(got, "; ") != strings.Join(tc.items, "; ") {
				t.Fatalf("got %q, %v; want %q", got, err, tc.items)
			}
		})
	}
}

func readAll(in string) ([]string, error) {
	br, err := NewBatchReader(strings.NewReader(in))
	if err != nil {
		return nil, err
	}
	var where []string
	for {
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			return where, nil
		}
		if err != nil {
			return where, err
		}
		where = append(where, it.Where)
	}
}

// TestCSVCellThatDoesNotParse: a cell that is not what its column holds makes the claim a
// malformed rejection naming the CSV line and column; the claim's other content is read.
func TestCSVCellThatDoesNotParse(t *testing.T) {
	in := "claim_id,provider_id,member_id,care_type,service_date,emergency,total,line_no,item_code,line_service_date,quantity,unit_price,amount\n" +
		"V1,H1001,M000001,outpatient,2026-03-01,maybe,50.00,1,SRV01,2026-03-01,1,30.00,30.00\n" +
		"V1,H1001,M000001,outpatient,2026-03-01,maybe,50.00,abc,LAB01,2026-03-01,x1,20.00,20.00\n"
	items, err := ReadBatch(strings.NewReader(in))
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	s, err := DecodeSubmission(items[0])
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Join(s.Problems.Malformed, " | ")
	for _, want := range []string{
		`claim.emergency at CSV line 2 column 40 (emergency): must be true or false`,
		`claim.lines[1].line_no at CSV line 3 column 52 (line_no): must be a whole number`,
		`claim.lines[1].quantity at CSV line 3 column 73 (quantity): "x1" is not a finite decimal`,
	} {
		if !strings.Contains(bad, want) {
			t.Errorf("malformed %q lacks %q", bad, want)
		}
	}
	if s.Claim.ClaimID != "V1" || len(s.Claim.Lines) != 2 || s.Claim.Lines[1].ItemCode != "LAB01" {
		t.Errorf("the rest of the claim was not read: %+v", s.Claim)
	}
	r := Rejected(&s, ProblemReasons(s.Problems), time.Now())
	if r.ClaimID != "V1" || r.ProviderID != "H1001" || r.ReasonCodes()[0] != ReasonMalformed {
		t.Errorf("rejection %+v", r)
	}
}

// TestDuplicateKeysAreMalformed: a key twice in one object is malformed, at its path; the
// same key in different objects is not.
func TestDuplicateKeysAreMalformed(t *testing.T) {
	line := `{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30"}`
	dupLine := `{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30","amount":"3000"}`
	claimJSON := func(extra, lines string) string {
		return `{"kind":"claim","claim":{"claim_id":"D1","provider_id":"H1001","member_id":"M000001","care_type":"outpatient",` +
			`"service_date":"2026-03-01"` + extra + `,"lines":[` + lines + `],"total":"30"}}`
	}
	cases := []struct{ name, in, want string }{
		{"clean", claimJSON("", line+","+line), ""},
		{"top level", claimJSON(`,"member_id":"M000002"`, line), "claim.member_id: the key appears twice"},
		{"in a line", claimJSON("", line+","+dupLine), "claim.lines[1].amount: the key appears twice"},
		{"escaped spelling", claimJSON(`,"tot\u0061l":"31"`, line), "claim.total: the key appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DecodeSubmission([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(s.Problems.Malformed, " | ")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("malformed %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRejectionKeepsIDsAsSent: ids that are too long or hold control characters are
// malformed, and the rejection carries them exactly as sent so the sender can match it.
func TestRejectionKeepsIDsAsSent(t *testing.T) {
	long := strings.Repeat("X", 80)
	in := `{"kind":"claim","claim":{"claim_id":"` + long + `","provider_id":"H1\u0001","member_id":"M000001","care_type":"outpatient",` +
		`"service_date":"2026-03-01","lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30"}],"total":"30"}}`
	s, err := DecodeSubmission([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if s.Claim.ClaimID != "" || s.Claim.ProviderID != "" {
		t.Fatalf("invalid ids must not be used to find claims: %q %q", s.Claim.ClaimID, s.Claim.ProviderID)
	}
	r := Rejected(&s, ProblemReasons(s.Problems), time.Now())
	if r.ClaimID != long || r.ProviderID != "H1\x01" || r.MemberID != "M000001" {
		t.Errorf("rejection ids %q %q %q, want them as sent", r.ClaimID, r.ProviderID, r.MemberID)
	}
}
