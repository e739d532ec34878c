package simulate

import (
	_ "embed"
	"html/template"
	"io"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

//go:embed report.html
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"fix": fix, "signed": signed, "date": claim.FormatDate,
}).Parse(pageText))

// bar is one bar of a server-rendered chart: a label, its value and its geometry.
type bar struct {
	Label, Value string
	Y, X, Width  int
	Negative     bool
}

// chart lays bars out horizontally around a zero line, scaled to the largest magnitude.
type chart struct {
	Title        string
	Bars         []bar
	Height, Zero int
}

const (
	chartWidth = 720
	chartLabel = 150 // px for the labels
	chartValue = 90  // px for the value printed beside a bar
	chartRow   = 26
)

// newChart scales bars to the largest magnitude: from the labels' edge when every value
// is positive or zero, else from a zero line in the middle of the plot.
func newChart(title string, labels []string, values []decimal.Decimal) chart {
	largest, negative := decimal.Zero, false
	for _, v := range values {
		largest, negative = decimal.Max(largest, v.Abs()), negative || v.IsNegative()
	}
	span := chartWidth - chartLabel - chartValue
	c := chart{Title: title, Height: chartRow*len(values) + 10, Zero: chartLabel}
	if negative {
		span = (chartWidth - chartLabel - 2*chartValue) / 2
		c.Zero = chartLabel + chartValue + span
	}
	for i, v := range values {
		w := 0
		if largest.IsPositive() {
			w = int(v.Abs().Mul(decimal.NewFromInt(int64(span))).DivRound(largest, 0).IntPart())
		}
		b := bar{Label: labels[i], Value: signed(v), Y: 5 + i*chartRow, Width: max(w, 1), Negative: v.IsNegative()}
		b.X = c.Zero
		if b.Negative {
			b.X = c.Zero - b.Width
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// WriteHTML writes a self-contained page an agency can put in a meeting: the tables of the
// text report and two charts drawn on the server as SVG (fund change by provider, refused
// by edit), no script, no outside resource.
func WriteHTML(w io.Writer, r *Report) error {
	var provs []string
	var fund []decimal.Decimal
	byProvider := map[string]decimal.Decimal{}
	for _, row := range r.Rows {
		if _, seen := byProvider[row.ProviderID]; !seen {
			provs = append(provs, row.ProviderID)
		}
		byProvider[row.ProviderID] = byProvider[row.ProviderID].Add(row.FundChange())
	}
	for _, p := range provs {
		fund = append(fund, byProvider[p])
	}
	var edits []string
	var refused []decimal.Decimal
	for _, e := range r.Edits {
		if e.Action == "refuse" {
			edits, refused = append(edits, e.EditID+" "+e.Kind), append(refused, e.AmountAfter)
		}
	}
	return page.Execute(w, map[string]any{
		"R":       r,
		"Rows":    append(append([]Row{}, r.Rows...), r.Total),
		"Fund":    newChart("Fund change by provider (after − before)", provs, fund),
		"Refused": newChart("Refused by edit under the draft (payable by nobody)", edits, refused),
	})
}
