package claim

import (
	"fmt"
	"testing"
)

// BenchmarkDecodeSubmission decodes a typical inpatient claim envelope (five lines).
func BenchmarkDecodeSubmission(b *testing.B) {
	lines := ""
	for i := 1; i <= 5; i++ {
		if i > 1 {
			lines += ","
		}
		lines += fmt.Sprintf(`{"line_no":%d,"item_code":"BED01","category":"bed","service_date":"2026-03-02","quantity":"3","unit_price":"60.00","amount":"180.00"}`, i)
	}
	msg := []byte(`{"kind":"claim","batch_id":"B1","claim":{"claim_id":"H3001-2026-000101","provider_id":"H3001","member_id":"M000002",` +
		`"care_type":"inpatient","ward_type":"general","admitted":"2026-03-01","discharged":"2026-03-08","emergency":false,` +
		`"diagnoses":["T82.810","F60.302"],"procedures":["36.0700x004"],"lines":[` + lines + `],"total":"900.00"}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeSubmission(msg); err != nil {
			b.Fatal(err)
		}
	}
}
