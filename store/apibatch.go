package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"medclaims/claim"
)

// APIBatch is a batch posted through the API.
type APIBatch struct {
	BatchID      string
	ProviderID   string
	TokenID      string
	Accepted     int
	ProduceError string
	CreatedAt    time.Time
	Items        []BatchItem
}

// BatchItem is one item of a posted batch, in posting order.
type BatchItem struct {
	Kind       string
	ProviderID string
	ClaimID    string
	MemberID   string
	Status     string         // "submitted" or "rejected" (refused by the API)
	Reasons    []claim.Reason // why the API refused it
}

// ErrBatchExists is returned when a batch id is already taken.
var ErrBatchExists = errors.New("batch id already exists")

// ErrNoBatch is returned for a batch that is not known.
var ErrNoBatch = errors.New("no such batch")

// SaveAPIBatches records batches (one per provider of a submitted file, or the one of a
// post) and their items in one transaction, before they are produced, so a result that
// comes back at once finds its batch. A provider's batch id already taken refuses them all
// (ErrBatchExists).
func (s *Store) SaveAPIBatches(ctx context.Context, bs []APIBatch) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, b := range bs {
			if err := saveAPIBatch(ctx, tx, b); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveAPIBatch(ctx context.Context, tx *sqlx.Tx, b APIBatch) error {
	n := len(b.Items)
	kind, prov, cid, mem, status, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([][]byte, n)
	for i, it := range b.Items {
		kind[i], prov[i], cid[i], mem[i], status[i] = text(it.Kind), text(it.ProviderID), text(it.ClaimID), text(it.MemberID), it.Status
		j, err := json.Marshal(orEmpty(it.Reasons))
		if err != nil {
			return err
		}
		reasons[i] = j
	}
	var token any
	if b.TokenID != "" {
		token = b.TokenID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO api_batches (batch_id, provider_id, token_id, items, accepted, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, b.BatchID, b.ProviderID, token, n, b.Accepted, b.CreatedAt.UTC())
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("batch %s of %s: %w", b.BatchID, b.ProviderID, ErrBatchExists)
	}
	if err != nil {
		return fmt.Errorf("save batch %s: %w", b.BatchID, err)
	}
	if n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO api_batch_items (owner, batch_id, seq, kind, provider_id, claim_id, member_id, status, reasons)
		SELECT $8, $1, x.n, x.k, x.p, x.c, x.m, x.s, r.doc::jsonb
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x(k, p, c, m, s, n)
		JOIN json_array_elements($7::json) WITH ORDINALITY AS r(doc, n) ON r.n = x.n`,
		b.BatchID, pq.Array(kind), pq.Array(prov), pq.Array(cid), pq.Array(mem), pq.Array(status), jsonArray(reasons), b.ProviderID); err != nil {
		return fmt.Errorf("save items of batch %s: %w", b.BatchID, err)
	}
	return nil
}

// SetProduceError records that producing a provider's batch failed (whole, or the items
// refused).
func (s *Store) SetProduceError(ctx context.Context, providerID, batchID, msg string, refused []int) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE api_batches SET produce_error = $3 WHERE provider_id = $1 AND batch_id = $2`,
			providerID, batchID, text(msg)); err != nil {
			return fmt.Errorf("record produce error of batch %s: %w", batchID, err)
		}
		if len(refused) == 0 {
			return nil
		}
		seqs := make([]int64, len(refused))
		for i, r := range refused {
			seqs[i] = int64(r + 1)
		}
		reason, _ := json.Marshal([]claim.Reason{{Code: "not_acknowledged", Message: "the broker did not acknowledge this submission: " + msg}})
		_, err := tx.ExecContext(ctx, `UPDATE api_batch_items SET status = 'rejected', reasons = $3::jsonb
			WHERE owner = $4 AND batch_id = $1 AND seq = ANY($2)`, batchID, pq.Array(seqs), string(reason), providerID)
		return err
	})
}

// BatchEntry is one submission of a batch with its result once stored (nil until then).
type BatchEntry struct {
	Item   BatchItem
	Result *claim.Result
}

// BatchView is a batch with every submission in order.
type BatchView struct {
	BatchID      string
	ProviderID   string // the provider whose batch it is
	Posted       bool   // posted through the API (else only its processed submissions are known)
	ProduceError string
	Entries      []BatchEntry
}

// BatchView reads a provider's batch: the items of a batch it posted, each joined to its
// submission's result (the n-th item of a claim id and kind answers to the n-th such
// submission, in offset order); a batch it produced some other way lists its processed
// submissions. Batch ids are the provider's own: another provider's batch of the same id
// is never read.
func (s *Store) BatchView(ctx context.Context, providerID, id string) (*BatchView, error) {
	v := &BatchView{BatchID: id, ProviderID: providerID}
	err := s.db.QueryRowContext(ctx, `SELECT produce_error FROM api_batches WHERE provider_id = $1 AND batch_id = $2`,
		providerID, id).Scan(&v.ProduceError)
	switch {
	case err == nil:
		v.Posted = true
		err = s.postedEntries(ctx, v)
	case errors.Is(err, sql.ErrNoRows):
		err = s.processedEntries(ctx, v)
	}
	if err != nil {
		return nil, fmt.Errorf("read batch %s of %s: %w", id, providerID, err)
	}
	if !v.Posted && len(v.Entries) == 0 {
		return nil, ErrNoBatch
	}
	return v, nil
}

// BatchOwners lists the providers that have a batch of this id, posted or produced.
func (s *Store) BatchOwners(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT provider_id FROM api_batches WHERE batch_id = $1
		UNION SELECT DISTINCT provider_id FROM submissions WHERE batch_id = $1 ORDER BY 1`, id)
	if err != nil {
		return nil, fmt.Errorf("read the owners of batch %s: %w", id, err)
	}
	return out, nil
}

// submissionResults is the batch's processed submissions, numbered per claim id and kind.
const submissionResults = `
	SELECT s.kind, s.provider_id, s.claim_id, s.member_id, s.partition, s."offset",
	       row_number() OVER (PARTITION BY s.provider_id, s.claim_id, s.kind ORDER BY s.partition, s."offset") AS n,
	       COALESCE(s.result, CASE s.result_ref WHEN 'result' THEN r.result WHEN 'voided' THEN r.voided_result END) AS result
	FROM submissions s
	LEFT JOIN claim_results r ON s.result_ref <> '' AND r.provider_id = s.provider_id AND r.claim_id = s.claim_id AND r.version = s.version
	WHERE s.batch_id = $1 AND s.provider_id = $2`

func (s *Store) postedEntries(ctx context.Context, v *BatchView) error {
	rows, err := s.db.QueryContext(ctx, `
		WITH items AS (
			SELECT seq, kind, provider_id, claim_id, member_id, status, reasons,
			       row_number() OVER (PARTITION BY provider_id, claim_id, kind, status ORDER BY seq) AS n
			FROM api_batch_items WHERE owner = $2 AND batch_id = $1),
		subs AS (`+submissionResults+`)
		SELECT i.kind, i.provider_id, i.claim_id, i.member_id, i.status, i.reasons, s.result
		FROM items i LEFT JOIN subs s ON i.status = 'submitted' AND s.provider_id = i.provider_id AND s.claim_id = i.claim_id
			AND s.kind = i.kind AND s.n = i.n
		ORDER BY i.seq`, v.BatchID, v.ProviderID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e BatchEntry
		var reasons, result []byte
		if err := rows.Scan(&e.Item.Kind, &e.Item.ProviderID, &e.Item.ClaimID, &e.Item.MemberID, &e.Item.Status, &reasons, &result); err != nil {
			return err
		}
		if err := json.Unmarshal(reasons, &e.Item.Reasons); err != nil {
			return err
		}
		if e.Result, err = decodeResult(result); err != nil {
			return err
		}
		v.Entries = append(v.Entries, e)
	}
	return rows.Err()
}

func (s *Store) processedEntries(ctx context.Context, v *BatchView) error {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, provider_id, claim_id, member_id, result FROM (`+submissionResults+`) x
		ORDER BY partition, "offset"`, v.BatchID, v.ProviderID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e BatchEntry
		var result []byte
		if err := rows.Scan(&e.Item.Kind, &e.Item.ProviderID, &e.Item.ClaimID, &e.Item.MemberID, &result); err != nil {
			return err
		}
		e.Item.Status = "submitted"
		if e.Result, err = decodeResult(result); err != nil {
			return err
		}
		v.Entries = append(v.Entries, e)
	}
	return rows.Err()
}

func decodeResult(b []byte) (*claim.Result, error) {
	if b == nil {
		return nil, nil
	}
	var r claim.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("stored result: %w", err)
	}
	return &r, nil
}
