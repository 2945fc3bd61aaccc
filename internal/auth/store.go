package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/passhash"
)

// Errors a caller can test with errors.Is.
var (
	ErrInvalidCredentials = errors.New("invalid user name or password")
	ErrLocked             = errors.New("too many failed logins: try again later")
	ErrNoSession          = errors.New("session not found or expired")
	ErrNoToken            = errors.New("token not found or revoked")
	ErrExists             = errors.New("already exists")
	ErrNotFound           = errors.New("not found")
	ErrBusy               = errors.New("too many logins at once: try again in a moment")
)

// Password checks that may run at once, and how long a login waits for one.
const (
	hashConcurrency = 2
	hashWait        = 5 * time.Second
)

// User is an account.
type User struct {
	Name    string
	Scopes  []string
	Created time.Time
}

// Token is an API token's record; the token itself is never stored.
type Token struct {
	Name     string
	Owner    string
	Scopes   []string
	Created  time.Time
	LastUsed time.Time
}

// Options configures a Store.
type Options struct {
	// Path is the SQLite file, created with mode 0600.
	Path string
	// Scopes lists every valid scope name; others are rejected.
	Scopes []string
	// SessionMaxAge is how long a session lasts (default 30 days).
	SessionMaxAge time.Duration
	Limiter       LimiterOptions
	Audit         *audit.Log
	Logger        *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Store keeps accounts, sessions and tokens in SQLite.
type Store struct {
	db        *sql.DB
	opts      Options
	limiter   *Limiter
	log       *slog.Logger
	hashSlots chan struct{}
	// dummyHash is verified when a user does not exist, so that a missing
	// account takes as long to reject as a wrong password.
	dummyHash string
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

const schema = `
CREATE TABLE IF NOT EXISTS users (
	name TEXT PRIMARY KEY,
	hash TEXT NOT NULL,
	scopes TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	digest TEXT PRIMARY KEY,
	user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
	expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
	name TEXT PRIMARY KEY,
	digest TEXT NOT NULL UNIQUE,
	owner TEXT NOT NULL,
	scopes TEXT NOT NULL,
	created INTEGER NOT NULL,
	last_used INTEGER NOT NULL DEFAULT 0
);
`

// Open opens or creates the store.
func Open(opts Options) (*Store, error) {
	if opts.SessionMaxAge <= 0 {
		opts.SessionMaxAge = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := fsutil.MkdirPrivate(filepath.Dir(opts.Path)); err != nil {
		return nil, err
	}
	// Create the file first so that SQLite never makes it with the umask.
	f, err := os.OpenFile(opts.Path, os.O_RDWR|os.O_CREATE, fsutil.FileMode)
	if err != nil {
		return nil, fmt.Errorf("open account store: %w", err)
	}
	f.Close()
	dsn := "file:" + opts.Path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open account store %s: %w", opts.Path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create account store %s: %w", opts.Path, err)
	}
	dummy, err := passhash.Hash("dummy password for timing")
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{
		db: db, opts: opts, log: opts.Logger, dummyHash: dummy,
		limiter:   NewLimiter(opts.Limiter, opts.Now),
		hashSlots: make(chan struct{}, hashConcurrency),
	}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) checkScopes(scopes []string) error {
	for _, sc := range scopes {
		if !slices.Contains(s.opts.Scopes, sc) {
			return fmt.Errorf("unknown scope %q: valid scopes are %s", sc, strings.Join(s.opts.Scopes, ", "))
		}
	}
	return nil
}

func checkName(kind, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid %s name %q: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", kind, name)
	}
	return nil
}

// MinPasswordLength is the shortest account password accepted.
const MinPasswordLength = 8

func checkPassword(password string) error {
	if len(password) < MinPasswordLength {
		return fmt.Errorf("password too short: use at least %d characters", MinPasswordLength)
	}
	return nil
}

// AddUser creates an account. Scopes empty means every scope.
func (s *Store) AddUser(ctx context.Context, name, password string, scopes []string) error {
	if err := checkName("user", name); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	if len(scopes) == 0 {
		scopes = s.opts.Scopes
	}
	if err := s.checkScopes(scopes); err != nil {
		return err
	}
	hash, err := passhash.Hash(password)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO users(name, hash, scopes, created) VALUES(?,?,?,?)`,
		name, hash, strings.Join(scopes, ","), s.opts.Now().Unix())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("user %q: %w", name, ErrExists)
		}
		return fmt.Errorf("add user %q: %w", name, err)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.AccountAdded, Principal: name})
	return nil
}

// SetPassword replaces a user's password and ends all of their sessions.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := passhash.Hash(password)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET hash=? WHERE name=?`, hash, name)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user=?`, name); err != nil {
		return fmt.Errorf("end sessions of %q: %w", name, err)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.PasswordChanged, Principal: name})
	return nil
}

// RemoveUser deletes an account, its sessions and its tokens.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE name=?`, name)
	if err != nil {
		return fmt.Errorf("remove user %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE owner=?`, name); err != nil {
		return fmt.Errorf("remove tokens of %q: %w", name, err)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.AccountRemoved, Principal: name})
	return nil
}

// Users lists the accounts by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, scopes, created FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var scopes string
		var created int64
		if err := rows.Scan(&u.Name, &scopes, &created); err != nil {
			return nil, err
		}
		u.Scopes = splitScopes(scopes)
		u.Created = time.Unix(created, 0)
		out = append(out, u)
	}
	return out, rows.Err()
}

// HasUsers reports whether any account exists.
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n > 0, err
}

// Login checks a password and returns a new session id. addr should
// group a client's addresses, as connlimit.AddressKey does. Repeated
// failures from one address lock that address out, and many more failures
// for one account from all addresses together lock the account out.
func (s *Store) Login(ctx context.Context, name, password, addr string) (string, User, error) {
	started, err := s.limiter.Attempt(addr, name)
	if err != nil {
		s.opts.Audit.Record(ctx, audit.Event{Kind: audit.LoginFailed, Principal: name, Address: addr, Detail: "locked out"})
		return "", User{}, err
	}
	if started.Address {
		s.opts.Audit.Record(ctx, audit.Event{Kind: audit.Lockout, Principal: name, Address: addr,
			Detail: "address locked out for every account"})
	}
	if started.Account {
		s.log.Warn("account locked out for every address after failed logins from many addresses",
			"user", name, "address", addr, "max_failures", s.limiter.opts.MaxAccountFailures, "window", s.limiter.opts.Window)
		s.opts.Audit.Record(ctx, audit.Event{Kind: audit.Lockout, Principal: name, Address: addr,
			Detail: "account locked out for every address"})
	}
	// Each check holds 19 MiB for argon2id, so only a few run at once and
	// a flood of logins waits or fails instead of using all memory.
	select {
	case s.hashSlots <- struct{}{}:
		defer func() { <-s.hashSlots }()
	case <-time.After(hashWait):
		return "", User{}, ErrBusy
	case <-ctx.Done():
		return "", User{}, ctx.Err()
	}
	var hash, scopes string
	err = s.db.QueryRowContext(ctx, `SELECT hash, scopes FROM users WHERE name=?`, name).Scan(&hash, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		hash = s.dummyHash
	} else if err != nil {
		return "", User{}, fmt.Errorf("login: %w", err)
	}
	ok, verr := passhash.Check(hash, password)
	if verr != nil {
		s.log.Error("stored password hash is invalid", "user", name, "err", verr)
	}
	if err != nil || !ok {
		s.opts.Audit.Record(ctx, audit.Event{Kind: audit.LoginFailed, Principal: name, Address: addr})
		return "", User{}, ErrInvalidCredentials
	}
	s.limiter.Succeed(addr, name)

	id, err := newSecret(sessionPrefix)
	if err != nil {
		return "", User{}, err
	}
	expires := s.opts.Now().Add(s.opts.SessionMaxAge).Unix()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions(digest, user, expires) VALUES(?,?,?)`,
		digest(id), name, expires); err != nil {
		return "", User{}, fmt.Errorf("login: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, s.opts.Now().Unix()); err != nil {
		s.log.Warn("expired sessions not removed", "err", err)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.Login, Principal: name, Address: addr})
	return id, User{Name: name, Scopes: splitScopes(scopes)}, nil
}

// Session returns the user of a live session.
func (s *Store) Session(ctx context.Context, id string) (User, error) {
	if !strings.HasPrefix(id, sessionPrefix) || len(id) > 128 {
		return User{}, ErrNoSession
	}
	var u User
	var scopes string
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT u.name, u.scopes, s.expires FROM sessions s JOIN users u ON u.name = s.user WHERE s.digest=?`,
		digest(id)).Scan(&u.Name, &scopes, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, fmt.Errorf("session: %w", err)
	}
	if s.opts.Now().Unix() >= expires {
		return User{}, ErrNoSession
	}
	u.Scopes = splitScopes(scopes)
	return u, nil
}

// Logout ends a session.
func (s *Store) Logout(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE digest=?`, digest(id))
	if err == nil {
		s.opts.Audit.Record(ctx, audit.Event{Kind: audit.Logout})
	}
	return err
}

// RevokeSessions ends every session of a user.
func (s *Store) RevokeSessions(ctx context.Context, user string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user=?`, user)
	return err
}

// CreateToken makes an API token and returns it; only its digest is kept,
// so this is the one time it can be shown.
func (s *Store) CreateToken(ctx context.Context, name, owner string, scopes []string) (string, error) {
	if err := checkName("token", name); err != nil {
		return "", err
	}
	if len(scopes) == 0 {
		return "", fmt.Errorf("token %q has no scope: pass --scope with one or more of %s", name, strings.Join(s.opts.Scopes, ","))
	}
	if err := s.checkScopes(scopes); err != nil {
		return "", err
	}
	secret, err := newSecret(tokenPrefix)
	if err != nil {
		return "", err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO tokens(name, digest, owner, scopes, created) VALUES(?,?,?,?,?)`,
		name, digest(secret), owner, strings.Join(scopes, ","), s.opts.Now().Unix())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return "", fmt.Errorf("token %q: %w", name, ErrExists)
		}
		return "", fmt.Errorf("create token %q: %w", name, err)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.TokenCreated, Principal: owner, Detail: "token " + name + " scopes " + strings.Join(scopes, ",")})
	return secret, nil
}

// VerifyToken returns the record of a live token and notes its use.
func (s *Store) VerifyToken(ctx context.Context, secret, addr string) (Token, error) {
	if !looksLikeToken(secret) {
		return Token{}, ErrNoToken
	}
	var t Token
	var scopes string
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT name, owner, scopes, created FROM tokens WHERE digest=?`, digest(secret)).
		Scan(&t.Name, &t.Owner, &scopes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("verify token: %w", err)
	}
	t.Scopes = splitScopes(scopes)
	t.Created = time.Unix(created, 0)
	now := s.opts.Now()
	if _, err := s.db.ExecContext(ctx, `UPDATE tokens SET last_used=? WHERE name=?`, now.Unix(), t.Name); err != nil {
		s.log.Warn("token use not recorded", "token", t.Name, "err", err)
	}
	t.LastUsed = now
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.TokenUsed, Principal: t.Owner, Address: addr, Detail: "token " + t.Name})
	return t, nil
}

// Tokens lists the tokens by name.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, owner, scopes, created, last_used FROM tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var scopes string
		var created, used int64
		if err := rows.Scan(&t.Name, &t.Owner, &scopes, &created, &used); err != nil {
			return nil, err
		}
		t.Scopes = splitScopes(scopes)
		t.Created = time.Unix(created, 0)
		if used > 0 {
			t.LastUsed = time.Unix(used, 0)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken deletes a token; it stops working at once.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE name=?`, name)
	if err != nil {
		return fmt.Errorf("revoke token %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %q: %w", name, ErrNotFound)
	}
	s.opts.Audit.Record(ctx, audit.Event{Kind: audit.TokenRevoked, Detail: "token " + name})
	return nil
}

func splitScopes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// SessionMaxAge returns how long a new session lasts.
func (s *Store) SessionMaxAge() time.Duration { return s.opts.SessionMaxAge }
