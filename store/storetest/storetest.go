// Package storetest gives integration tests a real PostgreSQL database: a migrated
// template per test binary and a fresh clone of it per test, dropped afterwards. A missing
// server is a test failure, never a skip.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"medclaims/store"
)

// ServerURL is the server the tests use: DATABASE_URL, or the local default.
func ServerURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func withDB(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	once     sync.Once
	template string
	onceErr  error
)

func admin() (*sql.DB, error) { return sql.Open("postgres", withDB(ServerURL(), "postgres")) }

func randName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// prepare creates the migrated template database once per test binary.
func prepare() (string, error) {
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		db, err := admin()
		if err != nil {
			onceErr = err
			return
		}
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			onceErr = fmt.Errorf("PostgreSQL is not reachable at %s (start it, or set DATABASE_URL): %w", ServerURL(), err)
			return
		}
		template = randName("medclaims_tmpl_")
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(template)); err != nil {
			onceErr = fmt.Errorf("create template database: %w", err)
			return
		}
		st, err := store.Open(ctx, withDB(ServerURL(), template))
		if err != nil {
			onceErr = err
			return
		}
		defer st.Close()
		onceErr = st.Migrate(ctx)
	})
	return template, onceErr
}

// Main runs a package's tests and drops the template afterwards: a package's TestMain is
// func TestMain(m *testing.M) { storetest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Cleanup drops the template; call it from TestMain after m.Run.
func Cleanup() {
	if template == "" {
		return
	}
	db, err := admin()
	if err != nil {
		return
	}
	defer db.Close()
	_, _ = db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(template) + " WITH (FORCE)")
}

// NewDB returns the URL of a fresh, migrated database that is dropped when the test ends.
func NewDB(t testing.TB) string {
	t.Helper()
	tmpl, err := prepare()
	if err != nil {
		t.Fatalf("database for tests: %v", err)
	}
	db, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	name := randName("medclaims_test_")
	if _, err := db.Exec("CREATE DATABASE " + pq.QuoteIdentifier(name) + " TEMPLATE " + pq.QuoteIdentifier(tmpl)); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDB(ServerURL(), name)
}

// Open opens a fresh database for the test.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
