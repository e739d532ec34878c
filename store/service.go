package store

import (
	"context"
	"fmt"
	"net/url"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"medclaims/migrations"
)

// ServiceRole is the PostgreSQL role `medclaims serve` works as (migration 00011): no
// superuser, no DDL, no TRUNCATE, append-only on the audit and payment histories.
const ServiceRole = "medclaims_service"

// ServiceURL is dbURL with its user replaced by the service role (and its password by
// password, or none).
func ServiceURL(dbURL, password string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	u.User = url.User(ServiceRole)
	if password != "" {
		u.User = url.UserPassword(ServiceRole, password)
	}
	return u.String(), nil
}

// OpenService opens the store the service runs on. A URL naming the service role is used as
// it is, once its schema is current (migrations are the owner's: `medclaims migrate`).
// Any other URL is the owner's: it creates and migrates the database, gives the service
// role the password (when one is set), and the store returned is connected as the role.
func OpenService(ctx context.Context, dbURL, password string) (*Store, error) {
	if dbURL == "" {
		dbURL = DefaultURL
	}
	cfg, err := pq.NewConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dbURL), err)
	}
	if cfg.User == ServiceRole {
		return openCurrent(ctx, dbURL)
	}
	owner, err := OpenMigrated(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if password != "" {
		if _, err := owner.db.ExecContext(ctx, `ALTER ROLE `+ServiceRole+` PASSWORD `+pq.QuoteLiteral(password)); err != nil {
			owner.Close()
			return nil, fmt.Errorf("set the password of %s: %w", ServiceRole, err)
		}
	}
	owner.Close()
	svcURL, err := ServiceURL(dbURL, password)
	if err != nil {
		return nil, err
	}
	return Open(ctx, svcURL)
}

// openCurrent opens the database as it is and refuses one whose schema is behind.
func openCurrent(ctx context.Context, dbURL string) (*Store, error) {
	st, err := Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, st.db.DB, migrations.FS)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("check the schema: %w", err)
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("check the schema of %s: %w (run medclaims migrate with the owner's DATABASE_URL first)", redact(dbURL), err)
	}
	if current < target {
		st.Close()
		return nil, fmt.Errorf("the schema of %s is at migration %d of %d: run medclaims migrate with the owner's DATABASE_URL first",
			redact(dbURL), current, target)
	}
	return st, nil
}
