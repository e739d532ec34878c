package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"medclaims/api"
	"medclaims/store"
)

const tokenUsage = "token create --role hospital:<provider_id>|agency|investigator [--name N] | token list [--json] | token revoke ID"

func cmdToken(ctx context.Context, args []string, std io3) error {
	if len(args) == 0 {
		fmt.Fprintln(std.err, "usage: medclaims "+tokenUsage)
		return usageError{"token takes a subcommand: create, list or revoke"}
	}
	switch args[0] {
	case "create":
		return cmdTokenCreate(ctx, args[1:], std)
	case "list":
		return cmdTokenList(ctx, args[1:], std)
	case "revoke":
		return cmdTokenRevoke(ctx, args[1:], std)
	}
	fmt.Fprintln(std.err, "usage: medclaims "+tokenUsage)
	return usageError{fmt.Sprintf("unknown token subcommand %q", args[0])}
}

// cmdTokenCreate prints the new token alone on stdout (TOKEN=$(medclaims token create …));
// only its hash is stored, so this is the one time it can be seen.
func cmdTokenCreate(ctx context.Context, args []string, std io3) error {
	fs := newFlags("token create", std)
	roleFlag := fs.String("role", "", "hospital:<provider_id>, agency or investigator (required)")
	name := fs.String("name", "", "who or what uses the token, shown in access logs (default: the role)")
	if err := parseArgs(fs, args, "token create --role ROLE [--name N]", 0, 0); err != nil {
		return err
	}
	role, provider, err := api.ParseRole(*roleFlag)
	if err != nil {
		return badFlag(fs, "--role: %v", err)
	}
	if *name == "" {
		*name = *roleFlag
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	token, id, hash := api.NewToken()
	if err := st.CreateToken(ctx, store.Token{ID: id, Name: *name, Role: role, ProviderID: provider, CreatedAt: cfg.Now()}, hash); err != nil {
		return err
	}
	fmt.Fprintf(std.err, "created token %s (%s, role %s); it is shown once, below, and only its hash is stored\n", id, *name, *roleFlag)
	fmt.Fprintln(std.out, token)
	return nil
}

func cmdTokenList(ctx context.Context, args []string, std io3) error {
	fs := newFlags("token list", std)
	asJSON := fs.Bool("json", false, "one JSON object per token")
	if err := parseArgs(fs, args, "token list [--json]", 0, 0); err != nil {
		return err
	}
	st, err := openConfigured(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		for _, t := range tokens {
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(std.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\trole\tcreated\tlast used\trevoked")
	stamp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, t := range tokens {
		p := api.Principal{Role: t.Role, ProviderID: t.ProviderID}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, p.RoleString(), stamp(&t.CreatedAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
	}
	return tw.Flush()
}

func cmdTokenRevoke(ctx context.Context, args []string, std io3) error {
	fs := newFlags("token revoke", std)
	if err := parseArgs(fs, args, "token revoke ID", 1, 1); err != nil {
		return err
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	already, err := st.RevokeToken(ctx, fs.Arg(0), cfg.Now())
	if err != nil {
		return err
	}
	if already {
		fmt.Fprintf(std.out, "token %s was already revoked\n", fs.Arg(0))
		return nil
	}
	fmt.Fprintf(std.out, "token %s revoked: requests with it now get 401\n", fs.Arg(0))
	return nil
}
