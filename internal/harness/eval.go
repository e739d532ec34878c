package harness

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"medclaims/fraud"
	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
)

// EvalDatabase is the prefix of the databases the evaluation may drop and recreate.
const EvalDatabase = "medclaims_eval"

// EvalConfig configures a labelled evaluation of the fraud stage.
type EvalConfig struct {
	Seed    uint64
	Scale   int
	Service pipeline.ServiceConfig
}

// RuleScore is one rule's detection in an evaluation: units are claims for claim rules and
// providers for provider rules.
type RuleScore struct {
	Rule, Level                string
	Labelled, Flagged, TruePos int
	Recall, Precision          float64 // 1 when nothing was labelled or flagged
	Unambiguous                bool
}

// ProviderEval is one provider's outcome.
type ProviderEval struct {
	ID        string
	Labelled  []string // injected provider patterns; none: a clean provider
	Fired     []string // provider rules flagged
	Score     string
	Suspended bool
}

// EvalReport is what an evaluation measured.
type EvalReport struct {
	Claims            int
	Rules             []RuleScore
	Providers         []ProviderEval
	LookAlikesFlagged []string       // look-alike claims some claim rule flagged
	LookAlikes        map[string]int // the stream's look-alike claims by kind
	Failures          []string       // an unambiguous rule missing a case, a clean provider held
	Elapsed           time.Duration
}

// RunEval generates the labelled stream, runs it through the real pipeline (the embedded
// broker or the configured one, a fresh database), and compares the flags with the labels.
func RunEval(ctx context.Context, cfg EvalConfig, log *slog.Logger) (EvalReport, error) {
	stream, err := sample.Eval(cfg.Seed, cfg.Scale)
	if err != nil {
		return EvalReport{}, err
	}
	if cfg.Service.Now == nil { // the stream runs to December 2026: process it after that
		cfg.Service.Now = func() time.Time { return time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) }
	}
	s, err := Fresh(ctx, cfg.Service, EvalDatabase, stream.Bundle, log)
	if err != nil {
		return EvalReport{}, err
	}
	defer s.Close()
	r := Start(ctx, s, s.Run)
	defer r.Stop()
	start := time.Now()
	if err := r.Submit(ctx, stream.Items, "EVAL"); err != nil {
		return EvalReport{}, err
	}
	if err := r.Poll(ctx, 1500*time.Millisecond, 10*time.Minute, scoredTwice(s.Store, len(stream.Items))); err != nil {
		return EvalReport{}, err
	}
	rep, err := compare(ctx, s.Store, stream)
	rep.Elapsed = time.Since(start)
	return rep, err
}

// scoredTwice is ready once every submission is processed and scoring has caught up, twice
// in a row.
func scoredTwice(st *store.Store, n int) func(context.Context) (bool, string, error) {
	caught := 0
	return func(ctx context.Context) (bool, string, error) {
		done, err := st.CountSubmissions(ctx)
		if err != nil {
			return false, "", err
		}
		pending, err := st.ScoringPending(ctx)
		if err != nil {
			return false, "", err
		}
		if done >= n && pending == 0 {
			caught++
		} else {
			caught = 0
		}
		return caught >= 2, fmt.Sprintf("%d of %d submissions processed, %d providers waiting for scoring", done, n, pending), nil
	}
}

// compare scores the stored flags against the stream's labels.
func compare(ctx context.Context, st *store.Store, stream *sample.EvalStream) (EvalReport, error) {
	rep := EvalReport{Claims: len(stream.Items)}
	flags, err := st.Flags(ctx)
	if err != nil {
		return rep, err
	}
	flaggedClaims := map[string]map[string]bool{} // rule → claim keys
	flaggedProviders := map[string]map[string]bool{}
	for _, f := range flags {
		m, key := flaggedProviders, f.ProviderID
		if f.Level == fraud.LevelClaim {
			m, key = flaggedClaims, f.ProviderID+"/"+f.ClaimIDs[0]
		}
		if m[f.Rule] == nil {
			m[f.Rule] = map[string]bool{}
		}
		m[f.Rule][key] = true
	}
	for _, rule := range fraud.ClaimRuleIDs {
		labelled := labelsOf(stream.ClaimLabels, rule)
		for _, pair := range stream.EitherLabels[rule] { // the one flagged, else the first: a miss
			k := pair[0]
			if flaggedClaims[rule][pair[1]] {
				k = pair[1]
			}
			labelled[k] = true
		}
		rep.Rules = append(rep.Rules, score(rule, fraud.LevelClaim, labelled, flaggedClaims[rule]))
	}
	for _, rule := range fraud.ProviderRuleIDs {
		rep.Rules = append(rep.Rules, score(rule, fraud.LevelProvider, labelsOf(stream.ProviderLabels, rule), flaggedProviders[rule]))
	}
	rep.LookAlikes = map[string]int{}
	for k, what := range stream.LookAlikes {
		rep.LookAlikes[what]++
		for rule, keys := range flaggedClaims {
			if keys[k] {
				rep.LookAlikesFlagged = append(rep.LookAlikesFlagged, k+" ("+what+") flagged "+rule)
			}
		}
	}
	sort.Strings(rep.LookAlikesFlagged)
	for _, k := range rep.LookAlikesFlagged {
		rep.Failures = append(rep.Failures, "look-alike "+k)
	}
	for _, r := range rep.Rules {
		if r.Unambiguous && r.TruePos < r.Labelled {
			rep.Failures = append(rep.Failures, fmt.Sprintf("%s caught %d of %d injected cases", r.Rule, r.TruePos, r.Labelled))
		}
	}
	return rep, providers(ctx, st, stream, flaggedProviders, &rep)
}

func providers(ctx context.Context, st *store.Store, stream *sample.EvalStream, flagged map[string]map[string]bool, rep *EvalReport) error {
	scores, err := st.ProviderScores(ctx)
	if err != nil {
		return err
	}
	byID := map[string]store.ProviderScore{}
	for _, p := range scores {
		byID[p.ProviderID] = p
	}
	for _, id := range stream.Providers {
		pe := ProviderEval{ID: id, Labelled: stream.ProviderLabels[id], Score: byID[id].Score, Suspended: byID[id].PaymentSuspended}
		for _, rule := range fraud.ProviderRuleIDs {
			if flagged[rule][id] {
				pe.Fired = append(pe.Fired, rule)
			}
		}
		if len(pe.Labelled) == 0 && pe.Suspended {
			rep.Failures = append(rep.Failures, "clean provider "+id+" reached hold_score (score "+pe.Score+")")
		}
		rep.Providers = append(rep.Providers, pe)
	}
	return nil
}

func labelsOf(labels map[string][]string, rule string) map[string]bool {
	out := map[string]bool{}
	for k, rules := range labels {
		if slices.Contains(rules, rule) {
			out[k] = true
		}
	}
	return out
}

func score(rule, level string, labelled, flagged map[string]bool) RuleScore {
	r := RuleScore{Rule: rule, Level: level, Labelled: len(labelled), Flagged: len(flagged), Recall: 1, Precision: 1,
		Unambiguous: slices.Contains(sample.UnambiguousRules, rule)}
	for k := range flagged {
		if labelled[k] {
			r.TruePos++
		}
	}
	if r.Labelled > 0 {
		r.Recall = float64(r.TruePos) / float64(r.Labelled)
	}
	if r.Flagged > 0 {
		r.Precision = float64(r.TruePos) / float64(r.Flagged)
	}
	return r
}
