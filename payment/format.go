package payment

import (
	"strconv"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

// num renders a decimal as decimal.String does (no exponent, no trailing fractional
// zeros) without big-integer formatting for the common case of up to 18 digits; the
// explanation renders many numbers per claim.
func num(d decimal.Decimal) string {
	if d.NumDigits() > 17 { // NumDigits counts without allocating for int64 coefficients
		return d.String()
	}
	v, exp := d.CoefficientInt64(), int(d.Exponent())
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	for exp < 0 && v%10 == 0 { // trailing fractional zeros
		v /= 10
		exp++
	}
	var digitsBuf [20]byte
	digits := strconv.AppendInt(digitsBuf[:0], v, 10)
	var buf [48]byte
	out := buf[:0]
	if neg {
		out = append(out, '-')
	}
	switch {
	case exp >= 0:
		out = append(out, digits...)
		for ; exp > 0; exp-- {
			out = append(out, '0')
		}
	case -exp >= len(digits):
		out = append(out, '0', '.')
		for i := 0; i < -exp-len(digits); i++ {
			out = append(out, '0')
		}
		out = append(out, digits...)
	default:
		point := len(digits) + exp
		out = append(out, digits[:point]...)
		out = append(out, '.')
		out = append(out, digits[point:]...)
	}
	return string(out)
}

// money renders an amount with two places, as results do ("1234.50").
func money(d decimal.Decimal) string {
	var buf [48]byte
	b := claim.Money{Decimal: d}.AppendJSON(buf[:0])
	return string(b[1 : len(b)-1])
}
