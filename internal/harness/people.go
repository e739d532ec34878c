package harness

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"medclaims/casework"
	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/people"
	"medclaims/store"
)

// PractitionerStory is the demo's people step (FRAUD.md §9): the doctor the sample registers
// at three hospitals is named in two confirmed findings, at two of them, reaching 9 points;
// the doctor's next line at the third is refused.
type PractitionerStory struct {
	Practitioner people.Record
	Cases        []StoryCase
	Refused      claim.Result // the doctor's next line at the third hospital
	// Appealed is the first case after the hospital's appeal, amended to 2 points; After
	// the practitioner then.
	Appealed fraud.Case
	After    people.Record
}

// StoryCase is one decided case of the story.
type StoryCase struct {
	CaseID, ProviderID, ClaimID string
	Points                      int
}

// storyPoints are the points each hospital's finding gives D017: 5 + 4 = 9.
var storyPoints = []struct {
	provider string
	points   int
}{{"H2001", 5}, {"H1002", 4}}

// TellPractitionerStory decides the two cases on the demo batch's held claims and submits
// D017's next visit at H3001, dated today (Beijing).
func TellPractitionerStory(ctx context.Context, r *Run, now func() time.Time) (PractitionerStory, error) {
	st := r.Service.Store
	var story PractitionerStory
	cw := casework.Service{Store: st, Now: now}
	for _, sp := range storyPoints {
		sc, err := decideWithPoints(ctx, cw, st, sp.provider, sp.points)
		if err != nil {
			return story, err
		}
		story.Cases = append(story.Cases, sc)
	}
	day := claim.FormatDate(claim.Today(now()))
	id := "H3001-DEMO-D017"
	item := []byte(`{"kind":"claim","claim":{"claim_id":"` + id + `","provider_id":"H3001","member_id":"M000002","care_type":"outpatient",` +
		`"service_date":"` + day + `","diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"` + day +
		`","quantity":"1","unit_price":"30.00","amount":"30.00","practitioner_id":"D017"}],"total":"30.00"}}`)
	if err := r.Submit(ctx, [][]byte{item}, "B-DEMO-D017"); err != nil {
		return story, err
	}
	err := r.Poll(ctx, 100*time.Millisecond, 30*time.Second, func(ctx context.Context) (bool, string, error) {
		v, err := st.Claim(ctx, claim.Key{ProviderID: "H3001", ClaimID: id})
		if err == nil {
			story.Refused = v.Current
		}
		return err == nil, "D017's visit at H3001 has no result", nil
	})
	if err != nil {
		return story, err
	}
	ps := people.Service{Store: st, Policies: store.NewPolicyCache(st, slog.New(slog.NewTextHandler(io.Discard, nil))), Now: now}
	if story.Practitioner, err = ps.Get(ctx, "", "D017"); err != nil {
		return story, err
	}
	if story.Appealed, err = appealAndAmend(ctx, cw, story.Cases[0]); err != nil {
		return story, err
	}
	story.After, err = ps.Get(ctx, "", "D017")
	return story, err
}

// appealAndAmend has the first case's hospital appeal and the investigator lower D017's
// points to 2: the year's total falls below 9 and the suspension is gone.
func appealAndAmend(ctx context.Context, cw casework.Service, sc StoryCase) (fraud.Case, error) {
	hosp := fraud.Actor{Name: sc.ProviderID + " HIS", Role: fraud.ActorHospital, ProviderID: sc.ProviderID}
	inv := fraud.Actor{Name: "demo investigator", Role: fraud.ActorInvestigator}
	c, err := cw.Appeal(ctx, hosp, sc.CaseID, "D017 followed the department's protocol")
	if err != nil {
		return c, err
	}
	f := c.Findings[0]
	f.PractitionerPoints = map[string]int{"D017": 2}
	return cw.DecideAppeal(ctx, inv, sc.CaseID, fraud.AppealAmend, "the protocol explains most of it", []fraud.Finding{f})
}

// decideWithPoints opens a case on the provider's first open flag of a held claim, notifies,
// lets the hospital answer, and confirms over_treatment on that claim, naming D017 with the
// points, at the lowest fine of its range (the recovery, Art. 38).
func decideWithPoints(ctx context.Context, cw casework.Service, st *store.Store, provider string, points int) (StoryCase, error) {
	inv := fraud.Actor{Name: "demo investigator", Role: fraud.ActorInvestigator}
	hosp := fraud.Actor{Name: provider + " HIS", Role: fraud.ActorHospital, ProviderID: provider}
	f, pay, err := heldFlag(ctx, st, provider)
	if err != nil {
		return StoryCase{}, err
	}
	c, err := cw.Open(ctx, inv, provider, []string{f.FlagID}, "the demo's case on "+f.Rule)
	if err == nil {
		_, err = cw.Notify(ctx, inv, c.CaseID, "allegation sent")
	}
	if err == nil {
		_, err = cw.Respond(ctx, hosp, c.CaseID, "the doctor ordered what was needed")
	}
	if err != nil {
		return StoryCase{}, err
	}
	fine := claim.M(pay.FundToProvider)
	_, err = cw.Decide(ctx, inv, c.CaseID, fraud.Decision{Decision: fraud.DecisionConfirm, Note: "over-treatment ordered by D017",
		Findings: []fraud.Finding{{Type: "over_treatment", ClaimIDs: f.ClaimIDs[:1], PractitionerIDs: []string{"D017"}, Fine: fine,
			PractitionerPoints: map[string]int{"D017": points}}}})
	return StoryCase{CaseID: c.CaseID, ProviderID: provider, ClaimID: f.ClaimIDs[0], Points: points}, err
}

// heldFlag is the provider's first open claim flag whose claim is held, with its payment.
func heldFlag(ctx context.Context, st *store.Store, provider string) (fraud.Flag, fraud.ClaimPayment, error) {
	flags, _, err := st.FlagPage(ctx, store.FlagFilter{ProviderID: provider, Status: fraud.StatusOpen, Level: "claim", Limit: 50})
	if err != nil {
		return fraud.Flag{}, fraud.ClaimPayment{}, err
	}
	for _, f := range flags {
		pay, err := st.CasePayments(ctx, provider, f.ClaimIDs[:1])
		if err != nil {
			return f, fraud.ClaimPayment{}, err
		}
		if p, ok := pay[f.ClaimIDs[0]]; ok && p.Held {
			return f, p, nil
		}
	}
	return fraud.Flag{}, fraud.ClaimPayment{}, fmt.Errorf("no open flag of a held claim of %s for the demo's case", provider)
}
