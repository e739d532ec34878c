package payment

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestNumMatchesDecimalString(t *testing.T) {
	for _, s := range []string{"0", "0.00", "1", "-1", "30.00", "0.85", "-0.10", "0.0001", "123.4500", "1e3", "1.5e-3",
		"99999999999999999999999.123", "-0.000", "100", "2340", "0.5", "12.3456789", "-987654321.10"} {
		d := decimal.RequireFromString(s)
		if got, want := num(d), d.String(); got != want {
			t.Errorf("num(%s) = %q, want %q", s, got, want)
		}
	}
}
