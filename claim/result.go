package claim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Result statuses.
const (
	StatusAdjudicated = "adjudicated"
	StatusRejected    = "rejected"
	StatusHeld        = "held"
	StatusVoided      = "voided"
)

// Reason codes of POLICY.md §9.
const (
	ReasonMalformed             = "malformed"
	ReasonMissingField          = "missing_field"
	ReasonBadDates              = "bad_dates"
	ReasonAmountMismatch        = "amount_mismatch"
	ReasonTotalMismatch         = "total_mismatch"
	ReasonNegativeValue         = "negative_value"
	ReasonOutOfRange            = "out_of_range"
	ReasonUnknownProvider       = "unknown_provider"
	ReasonProviderNotDesignated = "provider_not_designated"
	ReasonProviderBanned        = "provider_banned"
	ReasonUnknownMember         = "unknown_member"
	ReasonMemberNotEnrolled     = "member_not_enrolled"
	ReasonMemberDeceased        = "member_deceased"
	ReasonDuplicateConflict     = "duplicate_conflict"
	ReasonUnknownClaim          = "unknown_claim"
	ReasonNoPolicy              = "no_policy_in_force"
	ReasonNotInCatalogue        = "not_in_catalogue"
	ReasonDRGException          = "drg_exception"
	ReasonLineEdit              = "line_edit" // informational: an edit of the knowledge base acted on a line (POLICY.md §10)
	// Informational, one per line (FRAUD.md §9): the line's practitioner is suspended or
	// terminated (the line refused, but on an emergency claim), or not registered at the provider.
	ReasonPractitionerSuspended    = "practitioner_suspended"
	ReasonPractitionerUnregistered = "practitioner_unregistered"
	// On held results (POLICY.md §9).
	ReasonFraudHold                = "fraud_hold"
	ReasonProviderSuspendedPayment = "provider_suspended_payment"
)

// Reason explains a rejection or an informational finding.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Money is a decimal amount that renders with at least two places ("1234.50") and
// never loses digits (an input amount with more places keeps them).
type Money struct{ decimal.Decimal }

// M wraps a decimal as Money.
func M(d decimal.Decimal) *Money { return &Money{d} }

// MarshalJSON renders the amount as a JSON string.
func (m Money) MarshalJSON() ([]byte, error) { return m.AppendJSON(make([]byte, 0, 24)), nil }

// AppendJSON appends the quoted amount; amounts of up to 16 digits take a fast path that
// avoids big-integer formatting.
func (m Money) AppendJSON(b []byte) []byte {
	b = append(b, '"')
	if exp := m.Exponent(); exp >= -2 && exp <= 2 && m.NumDigits() <= 14 {
		v := m.CoefficientInt64()
		for ; exp > -2; exp-- {
			v *= 10
		}
		if v < 0 {
			b = append(b, '-')
			v = -v
		}
		b = strconv.AppendInt(b, v/100, 10)
		c := v % 100
		b = append(b, '.', byte('0'+c/10), byte('0'+c%10))
		return append(b, '"')
	}
	if m.Exponent() >= -2 {
		b = append(b, m.StringFixed(2)...)
	} else { // more places than cents: keep every significant digit, at least two places
		s := m.StringFixed(-m.Exponent())
		for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
			s = s[:len(s)-1]
		}
		b = append(b, s...)
	}
	return append(b, '"')
}

// String renders the amount as in JSON, without quotes.
func (m Money) String() string {
	b := m.AppendJSON(make([]byte, 0, 24))
	return string(b[1 : len(b)-1])
}

// Format prints the amount as String does for every verb: the embedded decimal's own
// Format would otherwise win and drop the cents ("120" for 120.00).
func (m Money) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(m.String())) }

// UnmarshalJSON parses a JSON string or number exactly.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	d, err := decimal.NewFromString(string(b))
	if err != nil {
		return fmt.Errorf("money %q: %w", b, err)
	}
	m.Decimal = d
	return nil
}

// Dec returns the decimal value; nil is zero.
func (m *Money) Dec() decimal.Decimal {
	if m == nil {
		return decimal.Zero
	}
	return m.Decimal
}

// Fixed4 is a decimal rendered with a fixed number of places (RW and points: 4).
type Fixed4 struct{ decimal.Decimal }

// MarshalJSON renders the value with four places.
func (f Fixed4) MarshalJSON() ([]byte, error) { return []byte(`"` + f.StringFixed(4) + `"`), nil }

// UnmarshalJSON parses a JSON string or number exactly.
func (f *Fixed4) UnmarshalJSON(b []byte) error {
	d, err := decimal.NewFromString(string(bytes.Trim(b, `"`)))
	f.Decimal = d
	return err
}

// DRGInfo is the grouping and pricing detail of a DRG-paid claim.
type DRGInfo struct {
	MDC         string  `json:"mdc,omitempty"`
	ADRG        string  `json:"adrg,omitempty"`
	DRG         string  `json:"drg,omitempty"`
	GroupStatus string  `json:"group_status,omitempty"`
	RW          *Fixed4 `json:"rw,omitempty"`
	Points      *Fixed4 `json:"points,omitempty"`
	Outlier     string  `json:"outlier,omitempty"`
}

// EditHit is one line an edit acted on (or flagged): the amount it took, exact, and the
// source it cites.
type EditHit struct {
	LineNo int    `json:"line_no"`
	EditID string `json:"edit_id"`
	Kind   string `json:"kind"`
	Action string `json:"action"`
	Amount Money  `json:"amount"`
	Source string `json:"source"`
}

// FraudInfo is the fraud stage's verdict on the claim.
type FraudInfo struct {
	Score string   `json:"score"`
	Rules []string `json:"rules"`
	Held  bool     `json:"held"`
}

// Step is one line of the explanation: what was done, why, and the amount.
type Step struct {
	Step   string `json:"step"`
	Detail string `json:"detail"`
	Amount *Money `json:"amount,omitempty"`
}

// MarshalJSON encodes a step without reflection: results carry many steps.
// It leaves <, > and & as they are: encoding/json escapes them or not, as its caller asked.
func (s Step) MarshalJSON() ([]byte, error) {
	return s.appendJSON(make([]byte, 0, 32+len(s.Step)+len(s.Detail)), false), nil
}

func (s *Step) appendJSON(b []byte, html bool) []byte {
	b = append(b, `{"step":`...)
	b = appendJSONText(b, s.Step, html)
	b = append(b, `,"detail":`...)
	b = appendJSONText(b, s.Detail, html)
	if s.Amount != nil {
		b = append(b, `,"amount":`...)
		b = s.Amount.AppendJSON(b)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string exactly as encoding/json.Marshal does.
func appendJSONString(b []byte, s string) []byte { return appendJSONText(b, s, true) }

// appendJSONText appends s as a JSON string as encoding/json does: quotes, backslashes and
// control characters escaped, with html <, > and & as \u escapes, U+2028 and U+2029
// escaped, invalid UTF-8 replaced by U+FFFD, everything else as is.
func appendJSONText(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			switch r {
			case utf8.RuneError:
				b = append(b, `\ufffd`...)
			default:
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Source names the Kafka record that produced a result.
type Source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Result is an adjudication result (CONTRACT.md). Amounts that do not apply are nil.
type Result struct {
	ClaimID        string     `json:"claim_id"`
	ProviderID     string     `json:"provider_id"`
	MemberID       string     `json:"member_id"`
	BatchID        string     `json:"batch_id,omitempty"`
	Kind           string     `json:"kind,omitempty"`
	Version        int        `json:"version,omitempty"`
	Status         string     `json:"status"`
	Reasons        []Reason   `json:"reasons"`
	Method         string     `json:"method,omitempty"`
	DRG            *DRGInfo   `json:"drg,omitempty"`
	Total          *Money     `json:"total,omitempty"`
	Eligible       *Money     `json:"eligible,omitempty"`
	SelfPay        *Money     `json:"self_pay,omitempty"`
	Deductible     *Money     `json:"deductible,omitempty"`
	Basic          *Money     `json:"basic,omitempty"`
	Critical       *Money     `json:"critical,omitempty"`
	Assistance     *Money     `json:"assistance,omitempty"`
	FundTotal      *Money     `json:"fund_total,omitempty"`
	MemberPays     *Money     `json:"member_pays,omitempty"`
	Standard       *Money     `json:"standard,omitempty"`
	FundToProvider *Money     `json:"fund_to_provider,omitempty"`
	ProviderMargin *Money     `json:"provider_margin,omitempty"`
	Refused        *Money     `json:"refused,omitempty"` // payable by nobody: the provider bears it (POLICY.md §10)
	Edits          []EditHit  `json:"edits,omitempty"`   // the lines edits acted on, in line order
	Fraud          *FraudInfo `json:"fraud,omitempty"`
	Explanation    []Step     `json:"explanation,omitempty"`
	PolicyVersion  string     `json:"policy_version,omitempty"`
	AdjudicatedAt  time.Time  `json:"adjudicated_at,omitzero"` // absent on a pre-check
	Source         *Source    `json:"source,omitempty"`
}

// HasReason reports whether the result carries the reason code.
func (r *Result) HasReason(code string) bool {
	for _, x := range r.Reasons {
		if x.Code == code {
			return true
		}
	}
	return false
}

// ReasonCodes lists the codes of the result's reasons, in order.
func (r *Result) ReasonCodes() []string {
	out := make([]string, len(r.Reasons))
	for i, x := range r.Reasons {
		out[i] = x.Code
	}
	return out
}

// Rejected builds a rejected result for a submission.
func Rejected(s *Submission, reasons []Reason, at time.Time) Result {
	return Result{
		ClaimID: orSent(s.Claim.ClaimID, s.Sent.ClaimID), ProviderID: orSent(s.Claim.ProviderID, s.Sent.ProviderID),
		MemberID: orSent(s.Claim.MemberID, s.Sent.MemberID),
		BatchID:  s.BatchID, Kind: s.Kind, Status: StatusRejected, Reasons: reasons, AdjudicatedAt: at,
	}
}

// orSent is the validated id, or the id as sent when it was not valid.
func orSent(valid, sent string) string {
	if valid != "" {
		return valid
	}
	return sent
}

// ProblemReasons turns decoding problems into the missing_field and malformed reasons.
func ProblemReasons(p Problems) []Reason {
	var out []Reason
	if len(p.Missing) > 0 {
		out = append(out, Reason{ReasonMissingField, "missing required field(s): " + strings.Join(p.Missing, ", ")})
	}
	if len(p.Malformed) > 0 {
		out = append(out, Reason{ReasonMalformed, "malformed value(s): " + strings.Join(p.Malformed, "; ")})
	}
	return out
}
