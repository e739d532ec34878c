package pipeline

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/store"
)

// IsTransient reports whether an error is worth retrying: network trouble, a broker that is
// unavailable or says "retriable", PostgreSQL connection, serialization, deadlock, resource
// and shutdown classes, timeouts. Everything else is permanent: retrying cannot help, so
// the record that caused it is parked instead (STYLE.md, "two kinds of failure").
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ke kafka.Error // a broker's answer: its own word on whether to retry
	if errors.As(err, &ke) {
		return ke.Temporary() || ke.Timeout()
	}
	if store.IsTransient(err) {
		return true
	}
	var temp interface{ Temporary() bool }
	if errors.As(err, &temp) && temp.Temporary() {
		return true
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return true
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ne), errors.As(err, &oe):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.ErrClosedPipe), errors.Is(err, driver.ErrBadConn), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// Backoff is a capped exponential backoff.
type Backoff struct {
	Min, Max time.Duration
}

func (b Backoff) next(d time.Duration) time.Duration {
	if d <= 0 {
		return b.Min
	}
	if d *= 2; d > b.Max {
		d = b.Max
	}
	return d
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
