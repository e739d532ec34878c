package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"medclaims/policy"
	"medclaims/store"
)

// openStore creates the database when missing, connects and applies migrations.
func openStore(ctx context.Context, dbURL string) (*store.Store, error) {
	if dbURL == "" {
		dbURL = store.DefaultURL
	}
	if err := store.EnsureDatabase(ctx, dbURL); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// withDatabase returns dbURL (or the default) with its database name replaced.
func withDatabase(dbURL, name string) (string, error) {
	if dbURL == "" {
		dbURL = store.DefaultURL
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func databaseName(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

func cmdMigrate(ctx context.Context, args []string, std io3) error {
	fs := newFlags("migrate", std)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(std.out, "migrations applied")
	return nil
}

func cmdLoad(ctx context.Context, args []string, std io3) error {
	fs := newFlags("load", std)
	fs.Usage = func() { fmt.Fprintln(std.err, "usage: medclaims load DIR") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("load needs exactly one bundle directory")
	}
	b, err := policy.LoadDir(fs.Arg(0))
	if err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	changed, err := st.SavePolicy(ctx, b)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(std.out, "policy %s already loaded with the same content: nothing changed\n", b.Version)
		return nil
	}
	fmt.Fprintf(std.out, "loaded policy %s (effective %s): %d catalogue items, %d providers, %d members, %d signups\n",
		b.Version, b.EffectiveFrom.Format("2006-01-02"), len(b.Catalogue), len(b.Providers), len(b.Members), len(b.Signups))
	return nil
}
