package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"medclaims/claim"
)

// spool keeps explanations in a temporary file for the offline price path, so memory
// holds the claims' amounts and the members' totals, not every explanation of the file.
type spool struct {
	f   *os.File
	end int64
	at  map[spoolKey][2]int64 // offset, length
	err error
}

type spoolKey struct {
	k claim.Key
	v int
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "medclaims-price-*.spool")
	if err != nil {
		return nil, fmt.Errorf("explanation spool: %w", err)
	}
	os.Remove(f.Name()) // gone when closed
	return &spool{f: f, at: map[spoolKey][2]int64{}}, nil
}

func (s *spool) Put(k claim.Key, version int, steps []claim.Step) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(steps)
	if err == nil {
		_, err = s.f.WriteAt(b, s.end)
	}
	if err != nil {
		s.err = fmt.Errorf("explanation spool: %w", err)
		return
	}
	s.at[spoolKey{k, version}] = [2]int64{s.end, int64(len(b))}
	s.end += int64(len(b))
}

func (s *spool) Get(k claim.Key, version int) []claim.Step {
	pos, ok := s.at[spoolKey{k, version}]
	if !ok || s.err != nil {
		return nil
	}
	b := make([]byte, pos[1])
	var steps []claim.Step
	_, err := s.f.ReadAt(b, pos[0])
	if err == nil || err == io.EOF {
		err = json.Unmarshal(b, &steps)
	}
	if err != nil {
		s.err = fmt.Errorf("explanation spool: %w", err)
	}
	return steps
}

func (s *spool) Close() error { return s.f.Close() }
