// Package store is the PostgreSQL side of medclaims (sqlx + lib/pq): migrations and the
// service's least-privileged role, policy versions and reference data, and, by what they
// write, the batch transaction (batch.go reads, results.go and ledgers.go write), facts
// and flags, cases and the payment ledger, statements, tokens and console sessions, the
// API's reads. It is the only package that speaks SQL; it persists what the pure cores
// decided and holds no pricing, fraud or settlement rules.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"medclaims/migrations"
)

// DefaultURL is used when DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/medclaims?sslmode=disable"

// Store is a handle on the database.
type Store struct{ db *sqlx.DB }

// Open connects to the database at url and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(url), err)
	}
	conn, err := pq.NewConnectorConfig(sessionDefaults(cfg))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(url), err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact(url), err)
	}
	return &Store{db: db}, nil
}

// sessionDefaults sets the session parameters medclaims' short statements want, unless the
// URL sets them: no JIT compilation, which costs a statement over a batch of keys tens of
// milliseconds of compiling for a few milliseconds of work.
func sessionDefaults(cfg pq.Config) pq.Config {
	cfg = cfg.Clone() // Clone makes Runtime
	if _, set := cfg.Runtime["jit"]; !set {
		cfg.Runtime["jit"] = "off"
	}
	return cfg
}

// OpenMigrated creates the database of url when missing (url "" is DefaultURL), connects and
// applies the migrations.
func OpenMigrated(ctx context.Context, url string) (*Store, error) {
	if url == "" {
		url = DefaultURL
	}
	if err := EnsureDatabase(ctx, url); err != nil {
		return nil, err
	}
	st, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// CountResults counts the stored claim versions.
func (s *Store) CountResults(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM claim_results`); err != nil {
		return 0, fmt.Errorf("count results: %w", err)
	}
	return n, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the pool for read-only reporting queries of this package's callers in tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Migrate applies every pending migration. A PostgreSQL advisory lock keeps instances that
// start together from migrating at once.
func (s *Store) Migrate(ctx context.Context) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// adminDB connects to the server of dbURL through its "postgres" database and returns the
// name of the database dbURL names.
func adminDB(dbURL string) (*sql.DB, string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sql.Open("postgres", admin.String())
	if err != nil {
		return nil, "", err
	}
	return db, strings.TrimPrefix(u.Path, "/"), nil
}

// EnsureDatabase creates the database named in url if it does not exist, connecting to
// the server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, dbURL string) error {
	db, name, err := adminDB(dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if name == "" || name == "postgres" {
		return nil
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("connect to the database server of %s: %w", redact(dbURL), err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code == "42P04" { // created concurrently
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// inTx runs fn in a transaction and returns the commit error (or the rollback's, joined).
func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsTransient reports whether a database error is worth retrying: the PostgreSQL classes
// of connection trouble (08), transaction rollback — serialization failure, deadlock — (40),
// insufficient resources (53) and operator intervention, such as a shutting-down server
// (57), and a connection the driver found broken. Other database errors (a constraint, a
// malformed value) are permanent. Network errors are classified by the caller.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "40", "53", "57":
			return true
		}
		return false
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// DropDatabase drops the database named in dbURL, but only when its name starts with
// guard: a safety catch so a demo or benchmark never drops a database it does not own.
func DropDatabase(ctx context.Context, dbURL, guard string) error {
	db, name, err := adminDB(dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if !strings.HasPrefix(name, guard) {
		return fmt.Errorf("refusing to drop database %q: only databases named %s* are dropped", name, guard)
	}
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}
