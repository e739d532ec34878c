package store

// What a micro-batch writes of its submissions and claim versions.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
)

// Outcome is one processed submission: where it came from and what it changed.
type Outcome struct {
	Source claim.Source
	Kind   string
	// Key and MemberID are the submission's validated ids ("" when invalid): the columns
	// that find it. The result may carry the ids as sent.
	Key      claim.Key
	MemberID string
	Effect   payment.Effect
	// Submission is the record's value, kept with the claim's facts.
	Submission []byte
	// JSON is Effect.Result encoded once, for the database and the results topic alike.
	JSON []byte
}

// Save writes the batch's outcomes: the submissions, new claim versions, voids, ledger
// entries, running totals, the claims' facts and their flags. Records created and voided in
// the same batch are written in their final state. It returns the flags that are new or
// changed, to publish.
func (b *Batch) Save(ctx context.Context, outs []Outcome, now time.Time) ([]fraud.Flag, error) {
	if b.readOnly {
		return nil, errors.New("store: a pre-check stores nothing")
	}
	if len(outs) == 0 {
		return nil, nil
	}
	if err := b.saveClaims(ctx, outs, now); err != nil {
		return nil, err
	}
	if err := b.saveFacts(ctx, outs); err != nil {
		return nil, err
	}
	var flags []fraud.Flag
	for _, o := range outs {
		flags = append(flags, o.Effect.Flags...)
	}
	return b.SaveFlags(ctx, flags)
}

// saveClaims writes the submissions, claim versions, voids and ledgers.
func (b *Batch) saveClaims(ctx context.Context, outs []Outcome, now time.Time) error {
	if err := b.saveSubmissions(ctx, outs, now); err != nil {
		return err
	}
	type vk struct {
		k claim.Key
		v int
	}
	created := map[vk]*payment.Record{}
	var newRecs, voided []*payment.Record
	var newJSON [][]byte
	var entries []payment.Entry
	var pentries []payment.ProviderEntry
	for _, o := range outs {
		pentries = append(pentries, o.Effect.ProviderEntries...)
		if r := o.Effect.New; r != nil {
			created[vk{r.Key, r.Version}] = r
			newRecs = append(newRecs, r)
			newJSON = append(newJSON, o.JSON) // a new version's result is the outcome's result
		}
		entries = append(entries, o.Effect.Entries...)
	}
	for _, o := range outs {
		if r := o.Effect.Voided; r != nil {
			if _, isNew := created[vk{r.Key, r.Version}]; !isNew {
				voided = append(voided, r)
			}
		}
	}
	if err := b.insertResults(ctx, newRecs, newJSON); err != nil {
		return err
	}
	for _, r := range voided {
		vr, _ := json.Marshal(r.VoidResult)
		if _, err := b.tx.ExecContext(ctx, `UPDATE claim_results SET status = 'voided', voided_result = $4, voided_at = $5
			WHERE provider_id = $1 AND claim_id = $2 AND version = $3`, r.Key.ProviderID, r.Key.ClaimID, r.Version, vr, r.VoidResult.AdjudicatedAt); err != nil {
			return fmt.Errorf("void claim %s/%s v%d: %w", r.Key.ProviderID, r.Key.ClaimID, r.Version, err)
		}
	}
	if err := b.saveLedger(ctx, entries, now); err != nil {
		return err
	}
	return b.saveProviderLedger(ctx, pentries, now)
}

func (b *Batch) saveSubmissions(ctx context.Context, outs []Outcome, now time.Time) error {
	n := len(outs)
	topics, kinds, batches, provs, claims, members, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	parts, versions := make([]int64, n), make([]int64, n)
	offsets := make([]int64, n)
	reasons, results, refs := make([]string, n), make([]string, n), make([]string, n)
	for i, o := range outs {
		r := o.Effect.Result
		topics[i], parts[i], offsets[i] = o.Source.Topic, int64(o.Source.Partition), o.Source.Offset
		kinds[i], batches[i], provs[i], claims[i], members[i], statuses[i] = o.Kind, text(r.BatchID), o.Key.ProviderID, o.Key.ClaimID, o.MemberID, r.Status
		versions[i] = int64(r.Version)
		rs, _ := json.Marshal(r.Reasons)
		reasons[i] = string(rs)
		switch {
		case o.Effect.Replayed:
			results[i] = string(o.JSON) // a duplicate's result names its own source and batch
		case r.Status == claim.StatusAdjudicated || r.Status == claim.StatusHeld:
			refs[i] = "result" // the claim_results row holds it; not stored twice
		case r.Status == claim.StatusVoided:
			refs[i] = "voided"
		default:
			results[i] = string(o.JSON)
		}
	}
	_, err := b.tx.ExecContext(ctx, `
		INSERT INTO submissions (topic, partition, "offset", kind, batch_id, provider_id, claim_id, member_id, status, version, reasons, result, result_ref, processed_at)
		SELECT t, p, o, k, b, pr, c, m, s, v, rs::jsonb, NULLIF(rj, '')::json, rr, $14
		FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[])
		  AS x(t, p, o, k, b, pr, c, m, s, v, rs, rj, rr)
		ON CONFLICT (topic, partition, "offset") DO NOTHING`,
		pq.Array(topics), pq.Array(parts), pq.Array(offsets), pq.Array(kinds), pq.Array(batches), pq.Array(provs), pq.Array(claims),
		pq.Array(members), pq.Array(statuses), pq.Array(versions), pq.Array(reasons), pq.Array(results), pq.Array(refs), now)
	if err != nil {
		return fmt.Errorf("save submissions: %w", err)
	}
	return nil
}

func (b *Batch) insertResults(ctx context.Context, recs []*payment.Record, resultJSON [][]byte) error {
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	col := func() []string { return make([]string, n) }
	prov, cid, mem, batch, status, method, hash, care, ded := col(), col(), col(), col(), col(), col(), col(), col(), col()
	refP, refC, refD := col(), col(), col()
	total, elig, fund, mpays, ftp := col(), col(), col(), col(), col()
	deltas, voided, pver := col(), col(), col()
	srcT := col()
	version, year, srcP, srcO := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	refA := make([]bool, n)
	adjAt, voidAt := col(), col()
	period, standard, margin, drgCode, rw, points, outlier, capitation := col(), col(), col(), col(), col(), col(), col(), col()
	for i, r := range recs {
		period[i], capitation[i] = r.Period, r.Capitation.String()
		if r.Result.Standard != nil {
			standard[i], margin[i] = amount(r.Result.Standard), amount(r.Result.ProviderMargin)
		}
		if d := r.Result.DRG; d != nil {
			drgCode[i], outlier[i] = d.DRG, d.Outlier
			if d.RW != nil {
				rw[i], points[i] = d.RW.String(), d.Points.String()
			}
		}
		res := r.Result
		prov[i], cid[i], mem[i], batch[i], status[i], method[i], hash[i], care[i] = r.Key.ProviderID, r.Key.ClaimID, r.MemberID, res.BatchID, r.Status, res.Method, r.ContentHash, r.CareType
		ded[i] = r.Deductible.String()
		if r.Referral != nil {
			refP[i], refC[i], refD[i], refA[i] = r.Referral.FromProviderID, r.Referral.FromClaimID, r.Referral.Direction, r.Referral.Approved
		}
		total[i], elig[i], fund[i], mpays[i], ftp[i] = amount(res.Total), amount(res.Eligible), amount(res.FundTotal), amount(res.MemberPays), amount(res.FundToProvider)
		deltas[i] = string(encodeDeltas(r.Deltas))
		if r.VoidResult != nil {
			vj, _ := json.Marshal(r.VoidResult)
			voided[i] = string(vj)
			voidAt[i] = r.VoidResult.AdjudicatedAt.Format(time.RFC3339Nano)
		}
		pver[i] = res.PolicyVersion
		version[i], year[i] = int64(r.Version), int64(r.Year)
		srcP[i], srcO[i] = -1, -1
		if res.Source != nil {
			srcT[i], srcP[i], srcO[i] = res.Source.Topic, int64(res.Source.Partition), res.Source.Offset
		}
		adjAt[i] = res.AdjudicatedAt.Format(time.RFC3339Nano)
	}
	_, err := b.tx.ExecContext(ctx, `
		INSERT INTO claim_results (provider_id, claim_id, version, member_id, batch_id, status, method, content_hash, year, care_type,
			deductible, ref_provider_id, ref_claim_id, ref_direction, ref_approved, total, eligible, fund_total, member_pays, fund_to_provider,
			deltas, result, voided_result, policy_version, source_topic, source_partition, source_offset, adjudicated_at, voided_at,
			period, standard, provider_margin, drg, rw, points, outlier, capitation)
		SELECT p, c, v, m, b, s, me, h, y, ct, d::numeric, rp, rc, rd, ra, t::numeric, e::numeric, f::numeric, mp::numeric, fp::numeric,
			dl::jsonb, rj::json, NULLIF(vj, '')::json, pv, NULLIF(st, ''), NULLIF(sp, -1), NULLIF(so, -1), aa::timestamptz, NULLIF(va, '')::timestamptz,
			pe, NULLIF(sd, '')::numeric, NULLIF(mg, '')::numeric, dc, NULLIF(rw, '')::numeric, NULLIF(pt, '')::numeric, ol, cp::numeric
		FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::text[], $15::bool[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
			$21::text[], $23::text[], $24::text[], $25::text[], $26::int[], $27::bigint[], $28::text[], $29::text[],
			$30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[])
		  WITH ORDINALITY AS x(p, c, v, m, b, s, me, h, y, ct, d, rp, rc, rd, ra, t, e, f, mp, fp, dl, vj, pv, st, sp, so, aa, va,
		       pe, sd, mg, dc, rw, pt, ol, cp, n)
		JOIN json_array_elements($22::json) WITH ORDINALITY AS r(rj, rn) ON r.rn = x.n`,
		pq.Array(prov), pq.Array(cid), pq.Array(version), pq.Array(mem), pq.Array(batch), pq.Array(status), pq.Array(method), pq.Array(hash),
		pq.Array(year), pq.Array(care), pq.Array(ded), pq.Array(refP), pq.Array(refC), pq.Array(refD), pq.Array(refA),
		pq.Array(total), pq.Array(elig), pq.Array(fund), pq.Array(mpays), pq.Array(ftp),
		pq.Array(deltas), jsonArray(resultJSON), pq.Array(voided), pq.Array(pver), pq.Array(srcT), pq.Array(srcP), pq.Array(srcO),
		pq.Array(adjAt), pq.Array(voidAt),
		pq.Array(period), pq.Array(standard), pq.Array(margin), pq.Array(drgCode), pq.Array(rw), pq.Array(points), pq.Array(outlier), pq.Array(capitation))
	if err != nil {
		return fmt.Errorf("save claim results: %w", err)
	}
	return nil
}
