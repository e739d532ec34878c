package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

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

// openConfigured opens (creating and migrating) the database of the configuration.
func openConfigured(ctx context.Context) (*store.Store, error) {
	st, _, err := openWithConfig(ctx)
	return st, err
}

// openWithConfig is openConfigured that also returns the configuration (its clock).
func openWithConfig(ctx context.Context) (*store.Store, config, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, cfg, err
	}
	st, err := store.OpenMigrated(ctx, cfg.DatabaseURL)
	return st, cfg, err
}

func cmdMigrate(ctx context.Context, args []string, std io3) error {
	if err := parseArgs(newFlags("migrate", std), args, "migrate", 0, 0); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	st, err := store.OpenService(ctx, cfg.DatabaseURL, cfg.ServicePass)
	if err != nil {
		return err
	}
	defer st.Close()
	url := cfg.DatabaseURL
	if url == "" {
		url = store.DefaultURL
	}
	svc, err := store.ServiceURL(url, "")
	if err != nil {
		return err
	}
	fmt.Fprintln(std.out, "migrations applied")
	fmt.Fprintf(std.out, "serve may connect as the least-privileged role: DATABASE_URL='%s'", svc)
	if cfg.ServicePass != "" {
		fmt.Fprint(std.out, " (with the password of MEDCLAIMS_SERVICE_PASSWORD)")
	}
	fmt.Fprintln(std.out)
	return nil
}

func cmdLoad(ctx context.Context, args []string, std io3) error {
	fs := newFlags("load", std)
	if err := parseArgs(fs, args, "load DIR", 1, 1); err != nil {
		return err
	}
	b, err := policy.LoadDir(fs.Arg(0), payment.PolicyOptions())
	if err != nil {
		return err
	}
	st, err := openConfigured(ctx)
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
	fmt.Fprintf(std.out, "loaded policy %s (effective %s): %d catalogue items, %d providers, %d members, %d signups, %d line edits\n",
		b.Version, b.EffectiveFrom.Format("2006-01-02"), len(b.Catalogue), len(b.Providers), len(b.Members), len(b.Signups), len(b.Edits))
	return nil
}
