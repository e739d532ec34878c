package pipeline

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"
	"github.com/segmentio/kafka-go"
)

// TestIsTransient: only errors known to pass are retried; everything else parks.
func TestIsTransient(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&pq.Error{Code: "08006"}, true},  // connection failure
		{&pq.Error{Code: "40001"}, true},  // serialization failure
		{&pq.Error{Code: "40P01"}, true},  // deadlock
		{&pq.Error{Code: "53300"}, true},  // too many connections
		{&pq.Error{Code: "57P01"}, true},  // admin shutdown
		{&pq.Error{Code: "23505"}, false}, // unique violation
		{&pq.Error{Code: "22P02"}, false}, // invalid text representation
		{fmt.Errorf("store batch: %w", driver.ErrBadConn), true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{kafka.LeaderNotAvailable, true},
		{kafka.RequestTimedOut, true},
		{kafka.MessageSizeTooLarge, false},
		{fmt.Errorf("publish: %w", kafka.MessageSizeTooLarge), false},
		{&ProduceError{Failed: []MessageError{{Err: kafka.NotEnoughReplicas}}}, true},
		{errors.New("cannot price: bad data"), false},
		{fmt.Errorf("encode result: %w", errors.New("unsupported value")), false},
	}
	for _, tc := range cases {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
