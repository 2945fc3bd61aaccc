// Package audit records security events (logins, failed logins, lockouts,
// token creation, use and revocation, permission denials, account changes,
// extension starts and crashes) as JSON lines in a file that only the
// server's user can read, and in the normal log.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/fsutil"
)

// Event kinds.
const (
	Login            = "login"
	LoginFailed      = "login_failed"
	Lockout          = "lockout"
	Logout           = "logout"
	TokenCreated     = "token_created"
	TokenUsed        = "token_used"
	TokenRevoked     = "token_revoked"
	PermissionDenied = "permission_denied"
	AccountAdded     = "account_added"
	AccountRemoved   = "account_removed"
	PasswordChanged  = "password_changed"
	ExtensionStarted = "extension_started"
	ExtensionCrashed = "extension_crashed"
	SandboxViolation = "sandbox_violation"
)

// Event is one audit record. Detail must never contain a secret.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Principal string    `json:"principal,omitempty"`
	Address   string    `json:"address,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Log appends events to a file. The zero value is not usable; use Open.
type Log struct {
	mu   sync.Mutex
	file *os.File
	log  *slog.Logger
	now  func() time.Time
}

// Open opens (or creates with mode 0600) the audit file at path. A nil
// logger discards the log copy.
func Open(path string, logger *slog.Logger) (*Log, error) {
	if err := fsutil.MkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fsutil.FileMode)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if err := f.Chmod(fsutil.FileMode); err != nil {
		f.Close()
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{file: f, log: logger, now: time.Now}, nil
}

// Record writes e, filling in its time. A write failure is logged, because
// a failing audit file must not stop the action being audited.
func (l *Log) Record(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = l.now().UTC()
	}
	line, err := json.Marshal(e)
	if err != nil {
		l.log.Error("audit record not encoded", "kind", e.Kind, "err", err)
		return
	}
	line = append(line, '\n')
	l.mu.Lock()
	_, err = l.file.Write(line)
	l.mu.Unlock()
	if err != nil {
		l.log.Error("audit record not written", "kind", e.Kind, "err", err)
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "audit", slog.String("kind", e.Kind),
		slog.String("principal", e.Principal), slog.String("address", e.Address), slog.String("detail", e.Detail))
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Close()
}
