package claim

import (
	"bytes"
	"encoding/json"
)

// Envelope wraps a batch item as a submission envelope with the batch id (a bare claim
// becomes {"kind":"claim",...}; an envelope keeps its kind and gains the batch id when it
// has none) and returns it with its Kafka key, the member id. Bytes that are not a JSON
// object are returned unchanged with an empty key: the consumer sends them to the DLQ.
func Envelope(item []byte, batchID string) (value, key []byte) {
	var top struct {
		Kind     json.RawMessage `json:"kind"`
		BatchID  json.RawMessage `json:"batch_id"`
		Claim    json.RawMessage `json:"claim"`
		MemberID any             `json:"member_id"`
	}
	trimmed := bytes.TrimSpace(item)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &top) != nil {
		return item, nil
	}
	bid, _ := json.Marshal(batchID)
	if top.Kind == nil && top.Claim == nil { // a bare claim: wrap it byte for byte
		member, _ := top.MemberID.(string)
		v := make([]byte, 0, len(trimmed)+len(bid)+40)
		v = append(v, `{"kind":"claim","batch_id":`...)
		v = append(v, bid...)
		v = append(v, `,"claim":`...)
		v = append(v, trimmed...)
		return append(v, '}'), []byte(member)
	}
	member := memberOf(top.Claim)
	if member == "" {
		member, _ = top.MemberID.(string)
	}
	if top.BatchID != nil {
		return trimmed, []byte(member)
	}
	// An envelope without a batch id: add it in front, keeping every other byte.
	v := make([]byte, 0, len(trimmed)+len(bid)+16)
	v = append(v, `{"batch_id":`...)
	v = append(v, bid...)
	rest := bytes.TrimSpace(trimmed[1:])
	if len(rest) > 0 && rest[0] != '}' {
		v = append(v, ',')
	}
	return append(v, rest...), []byte(member)
}

func memberOf(raw json.RawMessage) string { return Peek(raw).MemberID }
