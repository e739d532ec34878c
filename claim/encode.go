package claim

import (
	"strconv"
	"time"
)

// AppendJSON appends the result as encoding/json renders it (same fields, order, omissions
// and escaping) without reflection: every claim's result is encoded once, stored and
// published, and its explanation is most of its bytes. TestResultJSONMatchesEncodingJSON
// holds the two encodings equal.
func (r *Result) AppendJSON(b []byte) []byte {
	b = append(b, `{"claim_id":`...)
	b = appendJSONString(b, r.ClaimID)
	b = append(b, `,"provider_id":`...)
	b = appendJSONString(b, r.ProviderID)
	b = append(b, `,"member_id":`...)
	b = appendJSONString(b, r.MemberID)
	b = optString(b, `,"batch_id":`, r.BatchID)
	b = optString(b, `,"kind":`, r.Kind)
	if r.Version != 0 {
		b = strconv.AppendInt(append(b, `,"version":`...), int64(r.Version), 10)
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	b = appendReasons(append(b, `,"reasons":`...), r.Reasons)
	b = optString(b, `,"method":`, r.Method)
	if r.DRG != nil {
		b = r.DRG.appendJSON(append(b, `,"drg":`...))
	}
	b = r.appendAmounts(b)
	if r.Fraud != nil {
		b = r.Fraud.appendJSON(append(b, `,"fraud":`...))
	}
	if len(r.Explanation) > 0 {
		b = append(b, `,"explanation":[`...)
		for i := range r.Explanation {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.Explanation[i].appendJSON(b, true)
		}
		b = append(b, ']')
	}
	b = optString(b, `,"policy_version":`, r.PolicyVersion)
	if !r.AdjudicatedAt.IsZero() {
		b = appendTime(append(b, `,"adjudicated_at":`...), r.AdjudicatedAt)
	}
	if s := r.Source; s != nil {
		b = append(b, `,"source":{"topic":`...)
		b = appendJSONString(b, s.Topic)
		b = strconv.AppendInt(append(b, `,"partition":`...), int64(s.Partition), 10)
		b = strconv.AppendInt(append(b, `,"offset":`...), s.Offset, 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendAmounts appends the amounts that apply, in the struct's order.
func (r *Result) appendAmounts(b []byte) []byte {
	for _, a := range [...]struct {
		key string
		m   *Money
	}{
		{`,"total":`, r.Total}, {`,"eligible":`, r.Eligible}, {`,"self_pay":`, r.SelfPay}, {`,"deductible":`, r.Deductible},
		{`,"basic":`, r.Basic}, {`,"critical":`, r.Critical}, {`,"assistance":`, r.Assistance}, {`,"fund_total":`, r.FundTotal},
		{`,"member_pays":`, r.MemberPays}, {`,"standard":`, r.Standard}, {`,"fund_to_provider":`, r.FundToProvider},
		{`,"provider_margin":`, r.ProviderMargin}, {`,"refused":`, r.Refused},
	} {
		if a.m != nil {
			b = a.m.AppendJSON(append(b, a.key...))
		}
	}
	if len(r.Edits) > 0 {
		b = append(b, `,"edits":[`...)
		for i, e := range r.Edits {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(append(b, `{"line_no":`...), int64(e.LineNo), 10)
			b = appendJSONString(append(b, `,"edit_id":`...), e.EditID)
			b = appendJSONString(append(b, `,"kind":`...), e.Kind)
			b = appendJSONString(append(b, `,"action":`...), e.Action)
			b = e.Amount.AppendJSON(append(b, `,"amount":`...))
			b = appendJSONString(append(b, `,"source":`...), e.Source)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return b
}

func appendReasons(b []byte, rs []Reason) []byte {
	if rs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"code":`...), x.Code)
		b = appendJSONString(append(b, `,"message":`...), x.Message)
		b = append(b, '}')
	}
	return append(b, ']')
}

func (d *DRGInfo) appendJSON(b []byte) []byte {
	n := len(b)
	b = optString(b, `,"mdc":`, d.MDC)
	b = optString(b, `,"adrg":`, d.ADRG)
	b = optString(b, `,"drg":`, d.DRG)
	b = optString(b, `,"group_status":`, d.GroupStatus)
	if d.RW != nil {
		b = appendFixed4(append(b, `,"rw":`...), d.RW)
	}
	if d.Points != nil {
		b = appendFixed4(append(b, `,"points":`...), d.Points)
	}
	b = optString(b, `,"outlier":`, d.Outlier)
	return closeObject(b, n)
}

func (f *FraudInfo) appendJSON(b []byte) []byte {
	b = appendJSONString(append(b, `{"score":`...), f.Score)
	b = append(b, `,"rules":`...)
	if f.Rules == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range f.Rules {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, r)
		}
		b = append(b, ']')
	}
	b = strconv.AppendBool(append(b, `,"held":`...), f.Held)
	return append(b, '}')
}

// closeObject turns the fields appended since n (each led by a comma) into an object.
func closeObject(b []byte, n int) []byte {
	if len(b) == n {
		return append(b, "{}"...)
	}
	b[n] = '{'
	return append(b, '}')
}

func optString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

func appendFixed4(b []byte, f *Fixed4) []byte {
	b = append(b, '"')
	b = append(b, f.StringFixed(4)...)
	return append(b, '"')
}

// appendTime renders t as time.Time's MarshalJSON does (RFC 3339 with nanoseconds).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
