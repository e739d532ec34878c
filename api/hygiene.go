package api

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// hygiene refuses, before any handler, a request whose path or query string is not clean
// text: a query that does not parse (a ';' or a bad escape would otherwise drop a
// parameter silently), and NUL or invalid UTF-8 in the path or any parameter. PostgreSQL
// would refuse such text later with a 500; the sender gets a 400 naming the field now. A
// token in a URL is refused before anything logs the URL. Every answer is marked
// no-store and nosniff, and a body must arrive within bodyWait unless the handler, having
// authenticated the request, gives it longer (a batch of up to 32 MiB).
func hygiene(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyWait))
		if aerr := cleanURL(r.URL); aerr != nil {
			writeError(w, aerr)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bodyWait is how long any request may take to send its body; batchWait is what an
// authenticated batch post gets (32 MiB at a slow 300 KB/s).
const (
	bodyWait  = 15 * time.Second
	batchWait = 2 * time.Minute
)

// tokenInURL reports a query that carries what looks like an API token.
func tokenInURL(q url.Values) bool {
	for k, vs := range q {
		if k == "token" || k == "access_token" {
			return true
		}
		for _, v := range vs {
			if strings.HasPrefix(v, "mct_") {
				return true
			}
		}
	}
	return false
}

func cleanURL(u *url.URL) *apiError {
	if why := badText(u.Path); why != "" {
		return errorf(codeBadRequest, "the path %s", why)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return errorf(codeBadRequest, "the query string does not parse: %v (separate parameters with '&' and escape ';' as %%3B)", err)
	}
	if tokenInURL(q) {
		return errorf(codeBadRequest, "a token in a URL is refused (URLs end up in logs and histories): send it as Authorization: Bearer <token>, or sign in to the console with its form")
	}
	for k, vs := range q {
		if why := badText(k); why != "" {
			return errorf(codeBadRequest, "a query parameter name %s", why)
		}
		for _, v := range vs {
			if why := badText(v); why != "" {
				return errorf(codeBadRequest, "query parameter %s %s", k, why)
			}
		}
	}
	return nil
}

// badText says what is wrong with text a user sent ("" when nothing is).
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character"
	}
	return ""
}

// badField finds the first string in a decoded request body that is not clean text and
// names it by its JSON path ("flag_ids[0]", "findings[1].note").
func badField(v any) (field, why string) {
	return walkText(reflect.ValueOf(v), "")
}

func walkText(v reflect.Value, path string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return walkText(v.Elem(), path)
		}
	case reflect.String:
		if why := badText(v.String()); why != "" {
			return path, why
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, why := walkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return f, why
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if why := badText(fmt.Sprint(k.Interface())); why != "" {
				return join(path, "(a key)"), why
			}
			if f, why := walkText(v.MapIndex(k), join(path, fmt.Sprint(k.Interface()))); why != "" {
				return f, why
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" {
				name = t.Field(i).Name
			}
			if f, why := walkText(v.Field(i), join(path, name)); why != "" {
				return f, why
			}
		}
	}
	return "", ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// badForm finds the first posted form field that is not clean text.
func badForm(r *http.Request) (field, why string) {
	if r.Method != http.MethodPost {
		return "", ""
	}
	_ = r.ParseForm()
	for k, vs := range r.PostForm {
		for _, v := range vs {
			if why := badText(v); why != "" {
				return k, why
			}
		}
	}
	return "", ""
}
