package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"medclaims/claim"
	"medclaims/payment/drg"
)

func cmdDRG(ctx context.Context, args []string, std io3) error {
	if len(args) == 0 || args[0] != "group" {
		return errors.New(`usage: medclaims drg group [--scheme NAME] [--trace] [FILE]`)
	}
	fs := newFlags("drg group", std)
	scheme := fs.String("scheme", "chs-drg-1.1", "grouper data set (embedded: "+strings.Join(drg.Schemes(), ", ")+")")
	trace := fs.Bool("trace", false, "add a trace column with the rules that fired and a column of unknown codes")
	fs.Usage = func() {
		fmt.Fprintln(std.err, "usage: medclaims drg group [--scheme NAME] [--trace] [FILE]\n"+
			"Groups cases given as CSV with the columns of chs-drg-1.1/sample_cases.csv (expected_* optional;\n"+
			"stdin without FILE) and prints CSV index,mdc,adrg,drg,status.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errors.New("drg group takes at most one FILE")
	}
	g, err := drg.Scheme(*scheme)
	if err != nil {
		return err
	}
	in := std.in
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	rows, err := drg.ReadCases(in)
	if err != nil {
		return err
	}
	w := claim.NewCSVWriter(std.out)
	header := []string{"index", "mdc", "adrg", "drg", "status"}
	if *trace {
		header = append(header, "trace", "unknown_codes")
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for i := range rows {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := g.Group(&rows[i].Case)
		rec := []string{rows[i].Case.Index, r.MDC, r.ADRG, r.DRG, r.Status}
		if *trace {
			rec = append(rec, strings.Join(r.Trace, " | "), strings.Join(r.Unknown, " | "))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
