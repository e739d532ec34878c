package claim

import (
	"bytes"
	"encoding/json"
)

// Peeked are the ids a raw record carries, read without validating it: what names a
// record in logs, parked records and progress. A value that is not a string is "".
type Peeked struct {
	Kind, BatchID, ProviderID, ClaimID, MemberID, Status string
}

// Peek is the one reader of ids from raw bytes: a submission envelope (ids inside "claim",
// or at the top), a bare claim, or a result. Bytes that are not a JSON object give a zero
// Peeked.
func Peek(v []byte) Peeked {
	type ids struct {
		ProviderID any `json:"provider_id"`
		ClaimID    any `json:"claim_id"`
		MemberID   any `json:"member_id"`
	}
	var top struct {
		ids
		Kind    any  `json:"kind"`
		BatchID any  `json:"batch_id"`
		Status  any  `json:"status"`
		Claim   *ids `json:"claim"`
	}
	if json.Unmarshal(v, &top) != nil {
		return Peeked{}
	}
	str := func(x any) string { s, _ := x.(string); return s }
	pick := func(inner, outer any) string {
		if s := str(inner); s != "" {
			return s
		}
		return str(outer)
	}
	in := ids{}
	if top.Claim != nil {
		in = *top.Claim
	}
	return Peeked{Kind: str(top.Kind), BatchID: str(top.BatchID), ProviderID: pick(in.ProviderID, top.ProviderID),
		ClaimID: pick(in.ClaimID, top.ClaimID), MemberID: pick(in.MemberID, top.MemberID), Status: str(top.Status)}
}

// PeekString reads one top-level string field, quickly when it stands near the start
// without escapes (results begin {"claim_id":…,"provider_id":…}), else by decoding.
func PeekString(v []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	if i := bytes.Index(v[:min(len(v), 256)], key); i >= 0 {
		rest := v[i+len(key):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 && bytes.IndexByte(rest[:j], '\\') < 0 {
			return string(rest[:j])
		}
	}
	var m map[string]any
	_ = json.Unmarshal(v, &m)
	s, _ := m[name].(string)
	return s
}
