package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/core/scope"
)

// ScopeNames returns every scope an account or token may hold.
func ScopeNames() []string {
	var out []string
	for _, sc := range scope.All() {
		out = append(out, string(sc))
	}
	return out
}

// OpenAuth opens the account store (<data_dir>/auth.db) and the audit log
// (<data_dir>/audit.log), both readable by the server's user only.
func OpenAuth(cfg *config.Config, log *slog.Logger) (*auth.Store, *audit.Log, error) {
	al, err := audit.Open(filepath.Join(cfg.Core.DataDir, "audit.log"), log.With("component", "audit"))
	if err != nil {
		return nil, nil, err
	}
	maxAge := cfg.HTTP.SessionMaxAge
	store, err := auth.Open(auth.Options{
		Path: filepath.Join(cfg.Core.DataDir, "auth.db"), Scopes: ScopeNames(),
		SessionMaxAge: maxAge, Audit: al, Logger: log.With("component", "auth"),
	})
	if err != nil {
		al.Close()
		return nil, nil, err
	}
	return store, al, nil
}

func splitScopes(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// runAccounts runs the user and token commands.
func (r *runner) runAccounts(ctx context.Context) error {
	if err := r.prepareDirs(); err != nil {
		return err
	}
	store, al, err := OpenAuth(r.cfg, r.log)
	if err != nil {
		return err
	}
	defer al.Close()
	defer store.Close()
	out := r.opts.Stdout
	switch r.inv.command {
	case "user add":
		name := r.inv.args[0]
		password, err := r.readValue(fmt.Sprintf("Password for %s: ", name))
		if err != nil {
			return err
		}
		if err := store.AddUser(ctx, name, password, splitScopes(r.inv.scopes)); err != nil {
			return err
		}
		fmt.Fprintf(out, "added user %s\n", name)
	case "user passwd":
		name := r.inv.args[0]
		password, err := r.readValue(fmt.Sprintf("New password for %s: ", name))
		if err != nil {
			return err
		}
		if err := store.SetPassword(ctx, name, password); err != nil {
			return err
		}
		fmt.Fprintf(out, "changed the password of %s and ended its sessions\n", name)
	case "user list":
		users, err := store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintf(out, "%s\t%s\n", u.Name, strings.Join(u.Scopes, ","))
		}
	case "user rm":
		if err := store.RemoveUser(ctx, r.inv.args[0]); err != nil {
			return err
		}
		fmt.Fprintf(out, "removed user %s\n", r.inv.args[0])
	case "token create":
		scopes := splitScopes(r.inv.scopes)
		if len(scopes) == 0 {
			return errors.New("token create needs --scope, for example --scope playback:control,library:read")
		}
		token, err := store.CreateToken(ctx, r.inv.args[0], "cli", scopes)
		if err != nil {
			return err
		}
		fmt.Fprintln(r.opts.Stderr, "This token is shown once; store it now. Send it as 'Authorization: Bearer TOKEN'.")
		fmt.Fprintln(out, token)
	case "token list":
		tokens, err := store.Tokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			used := "never used"
			if !t.LastUsed.IsZero() {
				used = "last used " + t.LastUsed.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", t.Name, t.Owner, strings.Join(t.Scopes, ","), used)
		}
	case "token revoke":
		if err := store.RevokeToken(ctx, r.inv.args[0]); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked token %s\n", r.inv.args[0])
	}
	return nil
}
