// Package intake is the one way claims come in, whether a hospital posts a batch to the API
// or an operator runs `medclaims submit`: it screens the batch (every item decoded; a
// hospital's batch holds its own claims only; an item naming another batch is refused),
// records it under each provider it names (batch ids are each provider's own), produces
// the accepted items and answers what it took and what it refused, with reasons. No HTTP,
// no SQL: the API and the command line call it alike.
package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/store"
)

// Errors that refuse a whole batch: nothing of it is recorded or produced.
var (
	ErrForeign     = errors.New("the batch holds another provider's claim")
	ErrOtherBatch  = errors.New("an item names another batch")
	ErrBatchExists = store.ErrBatchExists
	ErrNotTaken    = errors.New("the broker did not acknowledge every claim")
	ErrEmpty       = errors.New("the batch has no claims")
)

// NewBatchID returns a fresh batch id.
func NewBatchID(now time.Time) string { return pipeline.NewBatchID(now) }

// Sender is who submits: a hospital's token (its provider), or an operator's file
// (ProviderID "": the claims may be any providers').
type Sender struct {
	ProviderID string
	TokenID    string
}

// Refused is an item the intake did not produce, with why.
type Refused struct {
	Item    int            `json:"item"` // 1-based position in the batch
	Where   string         `json:"where"`
	ClaimID string         `json:"claim_id"`
	Reasons []claim.Reason `json:"reasons"`
}

// Answer is what the intake took.
type Answer struct {
	BatchID  string    `json:"batch_id"`
	Accepted int       `json:"accepted"`
	Rejected []Refused `json:"rejected"`
}

// Produce sends items to claims.submitted as one batch and returns once the broker
// acknowledged them (pipeline.Submit on a producer); progress may be nil.
type Produce func(ctx context.Context, items [][]byte, batchID string, progress func(done int)) error

// Service takes batches in.
type Service struct {
	Store   *store.Store
	Produce Produce
	Now     func() time.Time
}

// Take screens, records and produces a batch. A refused batch is ErrForeign, ErrOtherBatch
// or ErrBatchExists (nothing recorded or produced); ErrNotTaken means some items were
// recorded but not acknowledged: the answer says which, and the batch's record keeps it.
func (s Service) Take(ctx context.Context, from Sender, batchID string, items []claim.Item, progress func(int)) (Answer, error) {
	if len(items) == 0 {
		return Answer{BatchID: batchID, Rejected: []Refused{}}, ErrEmpty
	}
	sc, err := screen(from, batchID, items, s.Now())
	if err != nil {
		return Answer{BatchID: batchID, Rejected: []Refused{}}, err
	}
	if err := s.Store.SaveAPIBatches(ctx, sc.batches()); err != nil {
		return sc.answer, fmt.Errorf("record batch %s: %w", batchID, err)
	}
	if len(sc.accepted) == 0 {
		return sc.answer, nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute) // a batch once begun is produced whole
	defer cancel()
	err = s.Produce(pctx, sc.bytes(), batchID, progress)
	if err == nil {
		return sc.answer, nil
	}
	return sc.answer, s.notTaken(pctx, sc, batchID, err)
}

// notTaken records which accepted items the broker refused (all of them when the error
// names none) and returns ErrNotTaken with the cause.
func (s Service) notTaken(ctx context.Context, sc *screened, batchID string, cause error) error {
	refused := map[string][]int{} // owner → 0-based positions in the owner's batch
	var se *pipeline.SubmitError
	if errors.As(cause, &se) {
		for _, it := range se.Items {
			a := sc.accepted[it.Index]
			refused[a.owner] = append(refused[a.owner], a.seq)
		}
	} else {
		for _, a := range sc.accepted {
			refused[a.owner] = append(refused[a.owner], a.seq)
		}
	}
	var errs []error
	for _, b := range sc.owners {
		if err := s.Store.SetProduceError(ctx, b.ProviderID, batchID, cause.Error(), refused[b.ProviderID]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(append([]error{fmt.Errorf("batch %s: %w: %w", batchID, ErrNotTaken, cause)}, errs...)...)
}
