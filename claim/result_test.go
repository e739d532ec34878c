package claim

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoneyJSON(t *testing.T) {
	for in, want := range map[string]string{
		"0": `"0.00"`, "1234.5": `"1234.50"`, "-0.01": `"-0.01"`, "1e2": `"100.00"`, "30.00": `"30.00"`,
		"12.345": `"12.345"`, "99999999999999.99": `"99999999999999.99"`, "123456789012345678901": `"123456789012345678901.00"`,
		"-5": `"-5.00"`, "0.1": `"0.10"`, "1.5e5": `"150000.00"`, "160.000": `"160.00"`, "180.0150": `"180.015"`, "0.001": `"0.001"`,
	} {
		b, err := Money{decimal.RequireFromString(in)}.MarshalJSON()
		if err != nil || string(b) != want {
			t.Errorf("%s: got %s, want %s (%v)", in, b, want, err)
		}
	}
}

func TestStepJSONMatchesEncodingJSON(t *testing.T) {
	m := Money{decimal.RequireFromString("12.5")}
	for _, st := range []Step{
		{Step: "band", Detail: "band (0, ∞]: 3540 × 0.65", Amount: &m},
		{Step: "x", Detail: "quote \" backslash \\ newline \n tab \t ctl \x01 bad \xff end"},
		{Step: "grouping", Detail: "MDCG entry: principal diagnosis K22.301 (食管破裂) in the list"},
	} {
		got, _ := st.MarshalJSON()
		want, _ := json.Marshal(struct {
			Step   string `json:"step"`
			Detail string `json:"detail"`
			Amount *Money `json:"amount,omitempty"`
		}{st.Step, st.Detail, st.Amount})
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("invalid JSON %s: %v", got, err)
		}
		json.Unmarshal(want, &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
}
