package offline

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"medclaims/claim"
)

// spool keeps the results of claim versions in a temporary file for the offline price
// path, so memory holds what later claims need (ids, content hashes, accumulator changes)
// and the members' totals, not every result of the file.
type spool struct {
	f       *os.File
	end     int64
	at      map[spoolKey][2]int64 // offset, length
	pending *spoolKey             // the version Put last, waiting for its encoded result
	err     error
}

type spoolKey struct {
	k claim.Key
	v int
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "medclaims-price-*.spool")
	if err != nil {
		return nil, fmt.Errorf("result spool: %w", err)
	}
	os.Remove(f.Name()) // gone when closed
	return &spool{f: f, at: map[spoolKey][2]int64{}}, nil
}

// Put notes the claim version whose result the caller is about to encode: Keep stores
// those bytes, so each result is encoded once, for the output and the spool alike.
func (s *spool) Put(k claim.Key, version int, _ claim.Result) { s.pending = &spoolKey{k, version} }

// Keep stores the encoded result of the version Put last, if any.
func (s *spool) Keep(encoded []byte) {
	k := s.pending
	s.pending = nil
	if k == nil || s.err != nil {
		return
	}
	if _, err := s.f.WriteAt(encoded, s.end); err != nil {
		s.err = fmt.Errorf("result spool: %w", err)
		return
	}
	s.at[*k] = [2]int64{s.end, int64(len(encoded))}
	s.end += int64(len(encoded))
}

func (s *spool) Get(k claim.Key, version int) claim.Result {
	var r claim.Result
	pos, ok := s.at[spoolKey{k, version}]
	if !ok {
		s.err = fmt.Errorf("result spool: no result of %s/%s version %d", k.ProviderID, k.ClaimID, version)
	}
	if s.err != nil {
		return r
	}
	b := make([]byte, pos[1])
	_, err := s.f.ReadAt(b, pos[0])
	if err == nil || err == io.EOF {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		s.err = fmt.Errorf("result spool: %w", err)
	}
	return r
}

func (s *spool) Close() error { return s.f.Close() }
