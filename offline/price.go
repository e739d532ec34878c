// Package offline prices claims without a broker or a database: pre-settlement (预结算)
// of a file against a policy bundle, in order, with empty accumulators, through the same
// payment.Book the consumer uses. Results of earlier claim versions wait in a temporary
// file, so memory holds what later claims need, not the whole output.
package offline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/policy"
)

// Report is what a pricing run did.
type Report struct {
	Items   int // items read
	Skipped int // items that were not JSON objects
}

// Price reads claims (bare or in submission envelopes) from in and writes one result JSON
// per line to out as each is computed; an item that is not a JSON object is named on
// errs and skipped. name names the input in messages.
func Price(ctx context.Context, b *policy.Bundle, now func() time.Time, in io.Reader, name string, out, errs io.Writer) (Report, error) {
	var rep Report
	br, err := claim.NewBatchReader(in)
	if err != nil {
		return rep, fmt.Errorf("%s: %w", name, err)
	}
	book := payment.NewBook(payment.NewPolicies(b), payment.BundleDirectory{Bundle: b}, now)
	sp, err := newSpool()
	if err != nil {
		return rep, err
	}
	defer sp.Close()
	book.Spool = sp
	w := bufio.NewWriterSize(out, 256<<10)
	defer w.Flush()
	var buf bytes.Buffer // each result is encoded once, for the output and the spool
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for ; ; rep.Items++ {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w (%d items priced before it)", name, err, rep.Items)
		}
		s, err := claim.DecodeSubmission(it.Bytes)
		if err != nil {
			rep.Skipped++
			fmt.Fprintf(errs, "%s: %s: %v\n", name, it.Where, err)
			continue
		}
		buf.Reset()
		if err := enc.Encode(book.Process(&s, nil).Result); err != nil {
			return rep, err
		}
		if sp.Keep(buf.Bytes()); sp.err != nil {
			return rep, sp.err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return rep, err
		}
		if err := w.Flush(); err != nil {
			return rep, err
		}
	}
}
