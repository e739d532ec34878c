package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error codes of the JSON error shape (CONTRACT.md), each with its status.
const (
	codeUnauthorized     = "unauthorized"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeBadRequest       = "bad_request"
	codeConflict         = "conflict"
	codeTooLarge         = "payload_too_large"
	codeMediaType        = "unsupported_media_type"
	codeUnavailable      = "unavailable"
	codeInternal         = "internal"
)

var codeStatus = map[string]int{
	codeUnauthorized: http.StatusUnauthorized, codeForbidden: http.StatusForbidden, codeNotFound: http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed, codeBadRequest: http.StatusBadRequest, codeConflict: http.StatusConflict,
	codeTooLarge: http.StatusRequestEntityTooLarge, codeMediaType: http.StatusUnsupportedMediaType,
	codeUnavailable: http.StatusServiceUnavailable, codeInternal: http.StatusInternalServerError,
}

// apiError is an error a handler answers with: its code picks the status.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// writeError writes {"error": {"code", "message"}} with the code's status.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.Code == codeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="medclaims"`)
	}
	writeJSON(w, codeStatus[e.Code], struct {
		Error *apiError `json:"error"`
	}{e})
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
