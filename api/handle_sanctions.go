package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
)

// sanctionList is the sanction register as JSON.
type sanctionList struct {
	Items []fraud.Sanction `json:"items"`
}

// listSanctions serves the sanction register (信用记录): JSON, or CSV for other agencies
// with Accept: text/csv.
func (s *Server) listSanctions(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, errorf(codeBadRequest, "GET /v1/sanctions takes no query parameters"))
		return
	}
	list, err := s.people().Register(r.Context())
	if err != nil {
		s.internal(w, "read the sanction register", err)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/csv") {
		writeJSON(w, http.StatusOK, sanctionList{Items: list})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sanctions.csv"`)
	cw := claim.NewCSVWriter(w)
	_ = cw.Write([]string{"provider_id", "practitioner_id", "finding", "article", "case_id", "decided_at", "until", "owner_id", "points", "status", "amended_at"})
	for _, sn := range list {
		until, points, amendedAt := "", "", ""
		if sn.Until != nil {
			until = sn.Until.Format("2006-01-02")
		}
		if sn.Points != nil {
			points = strconv.Itoa(*sn.Points)
		}
		if sn.AmendedAt != nil {
			amendedAt = sn.AmendedAt.In(claim.Shanghai).Format(time.DateOnly)
		}
		_ = cw.Write([]string{sn.ProviderID, sn.PractitionerID, sn.Finding, sn.Article, sn.CaseID, sn.DecidedAt.In(claim.Shanghai).Format(time.DateOnly),
			until, sn.OwnerID, points, sn.Status, amendedAt})
	}
	cw.Flush()
}
