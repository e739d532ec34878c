package intake

import (
	"fmt"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/store"
)

// screened is a batch after screening: its record per provider and the items to produce.
type screened struct {
	owners   []*store.APIBatch // in the order the providers first appear
	accepted []acceptedItem
	answer   Answer
}

type acceptedItem struct {
	value []byte
	owner string // the provider whose batch records it
	seq   int    // its 0-based position in that batch
}

func (sc *screened) batches() []store.APIBatch {
	out := make([]store.APIBatch, len(sc.owners))
	for i, b := range sc.owners {
		out[i] = *b
	}
	return out
}

func (sc *screened) bytes() [][]byte {
	out := make([][]byte, len(sc.accepted))
	for i, a := range sc.accepted {
		out[i] = a.value
	}
	return out
}

// screen decodes every item. A hospital's batch holding another provider's claim, or an
// item naming another batch id than the batch's, refuses the whole batch. An item that
// cannot be decoded into a submission is kept as rejected with its reasons, under the
// hospital's batch (an operator's file: under the provider it names, if it names one
// validly; else it is only answered). The rest are accepted.
func screen(from Sender, batchID string, items []claim.Item, now time.Time) (*screened, error) {
	sc := &screened{answer: Answer{BatchID: batchID, Rejected: []Refused{}}}
	byOwner := map[string]*store.APIBatch{}
	var foreign []string
	for i, it := range items {
		sub, err := claim.DecodeSubmission(it.Bytes)
		bi := store.BatchItem{Kind: sub.Kind, ProviderID: sub.Sent.ProviderID, ClaimID: sub.Sent.ClaimID, MemberID: sub.Sent.MemberID, Status: "submitted"}
		switch {
		case err == nil && sub.BatchID != "" && sub.BatchID != batchID:
			return nil, fmt.Errorf("%w: %s names batch_id %q, but this is batch %s: leave batch_id out of the items", ErrOtherBatch, it.Where, sub.BatchID, batchID)
		case err == nil && from.ProviderID != "" && sub.Sent.ProviderID != "" && sub.Sent.ProviderID != from.ProviderID:
			foreign = append(foreign, fmt.Sprintf("%s (claim %s of provider %s)", it.Where, sub.Sent.ClaimID, sub.Sent.ProviderID))
			continue
		case err != nil:
			bi.Status, bi.Reasons = "rejected", []claim.Reason{{Code: claim.ReasonMalformed, Message: it.Where + ": not a JSON object"}}
		case !sub.Problems.Empty():
			bi.Status, bi.Reasons = "rejected", claim.ProblemReasons(sub.Problems)
		}
		owner := from.ProviderID
		if owner == "" {
			owner = sub.Claim.ProviderID // validated: "" when missing or not a valid id
		}
		if bi.Status == "rejected" {
			sc.answer.Rejected = append(sc.answer.Rejected, Refused{Item: i + 1, Where: it.Where, ClaimID: bi.ClaimID, Reasons: bi.Reasons})
		}
		if owner == "" {
			continue // nowhere to record it: the answer names it
		}
		b := byOwner[owner]
		if b == nil {
			b = &store.APIBatch{BatchID: batchID, ProviderID: owner, TokenID: from.TokenID, CreatedAt: now}
			byOwner[owner] = b
			sc.owners = append(sc.owners, b)
		}
		if bi.Status == "submitted" {
			sc.accepted = append(sc.accepted, acceptedItem{value: it.Bytes, owner: owner, seq: len(b.Items)})
			b.Accepted++
		}
		b.Items = append(b.Items, bi)
	}
	if len(foreign) > 0 {
		if len(foreign) > 5 {
			foreign = append(foreign[:5], fmt.Sprintf("and %d more", len(foreign)-5))
		}
		return nil, fmt.Errorf("%w: the token of provider %s may only submit its own claims: %s", ErrForeign, from.ProviderID, strings.Join(foreign, "; "))
	}
	sc.answer.Accepted = len(sc.accepted)
	return sc, nil
}
