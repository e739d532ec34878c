package api

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"medclaims/fraud"
	"medclaims/store"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

// flagList is a page of flags.
type flagList struct {
	Items      []fraud.Flag `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

var flagStatuses = []string{"open", "in_case", "dismissed", "confirmed"}

// listFlags lists flags newest first, filtered by status, provider, rule and level, a page
// at a time (?limit=, ?cursor= from the previous page's next_cursor).
func (s *Server) listFlags(w http.ResponseWriter, r *http.Request) {
	f, aerr := flagFilter(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	flags, more, err := s.cfg.Store.FlagPage(r.Context(), f)
	if err != nil {
		s.internal(w, "list flags", err)
		return
	}
	out := flagList{Items: flags}
	if out.Items == nil {
		out.Items = []fraud.Flag{}
	}
	if more {
		last := flags[len(flags)-1]
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(last.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + last.FlagID))
	}
	writeJSON(w, http.StatusOK, out)
}

func flagFilter(r *http.Request) (store.FlagFilter, *apiError) {
	q := r.URL.Query()
	f := store.FlagFilter{Status: q.Get("status"), ProviderID: q.Get("provider_id"), Rule: q.Get("rule"), Level: q.Get("level"), Limit: defaultLimit}
	for k, vs := range q {
		switch {
		case !slices.Contains([]string{"status", "provider_id", "rule", "level", "limit", "cursor"}, k):
			return f, errorf(codeBadRequest, "unknown query parameter %q (GET /v1/flags takes status, provider_id, rule, level, limit, cursor)", k)
		case len(vs) > 1:
			return f, errorf(codeBadRequest, "query parameter %q given %d times", k, len(vs))
		}
	}
	rules := append(append(slices.Clone(fraud.ClaimRuleIDs), fraud.ProviderRuleIDs...), fraud.StaffSuspended)
	switch {
	case f.Status != "" && !slices.Contains(flagStatuses, f.Status):
		return f, errorf(codeBadRequest, "status %q: want one of %s", f.Status, strings.Join(flagStatuses, ", "))
	case f.Rule != "" && !slices.Contains(rules, f.Rule):
		return f, errorf(codeBadRequest, "rule %q: want one of %s", f.Rule, strings.Join(rules, ", "))
	case f.Level != "" && f.Level != fraud.LevelClaim && f.Level != fraud.LevelProvider:
		return f, errorf(codeBadRequest, "level %q: want claim or provider", f.Level)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return f, errorf(codeBadRequest, "limit %q: want a whole number from 1 to %d", l, maxLimit)
		}
		f.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		at, id, ok := decodeCursor(c)
		if !ok {
			return f, errorf(codeBadRequest, "cursor %q is not one this API gave out: pass next_cursor from the previous page", c)
		}
		f.AfterTime, f.AfterID = at, id
	}
	return f, nil
}

func decodeCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" || badText(id) != "" {
		return time.Time{}, "", false
	}
	return t, id, true
}
