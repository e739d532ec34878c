package api

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"

	"medclaims/store/storetest"
)

// TestMain runs the tests, then (on a full run) checks that a real answer of every
// operation of /openapi.json was checked against the document.
func TestMain(m *testing.M) {
	code := m.Run()
	storetest.Cleanup()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		if missing := uncovered(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no real answer of these operations was checked against /openapi.json: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// operations lists the document's operations as "METHOD /path/{param}".
func operations() ([]string, error) {
	doc, err := libopenapi.NewDocument(openAPI)
	if err != nil {
		return nil, err
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	var out []string
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out, nil
}

func uncovered() []string {
	ops, err := operations()
	if err != nil {
		return []string{err.Error()}
	}
	var missing []string
	for _, op := range ops {
		if _, ok := covered.Load(op); !ok {
			missing = append(missing, op)
		}
	}
	return missing
}

// TestOpenAPIDocument: the served document is valid OpenAPI 3.1, names exactly the routes
// the server has, and the response check catches a body or status it does not describe.
func TestOpenAPIDocument(t *testing.T) {
	v := openAPIValidator(t)
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("document: %v", e)
		}
	}
	if !bytes.Contains(openAPI, []byte(`"openapi": "3.1.0"`)) {
		t.Error("the document is not OpenAPI 3.1")
	}
	ops, err := operations()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil)
	var routes []string
	for path, methods := range e.srv.methods {
		if strings.HasPrefix(path, "/console/") {
			continue // the console is HTML for people, not part of the API document
		}
		for _, m := range methods {
			routes = append(routes, m+" "+path)
		}
	}
	slices.Sort(routes)
	if !slices.Equal(ops, routes) {
		t.Errorf("document operations %v\nserver routes %v", ops, routes)
	}
	r := e.get("/openapi.json", "")
	if r.status != 200 || !bytes.Equal(r.body, openAPI) {
		t.Errorf("GET /openapi.json: %d", r.status)
	}
	// The check is not vacuous: a wrong body and an undocumented status fail it.
	req, _ := http.NewRequest("GET", e.base+"/v1/providers/H3001", nil)
	for _, bad := range []struct {
		status int
		body   string
	}{{200, `{"provider_id": 7}`}, {200, `{"provider_id":"H3001"}`}, {418, `{}`}} {
		resp := &http.Response{StatusCode: bad.status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(bad.body)), Request: req}
		if ok, _ := v.ValidateHttpResponse(req, resp); ok {
			t.Errorf("%d %s passes the check", bad.status, bad.body)
		}
	}
}
