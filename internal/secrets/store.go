// Package secrets keeps named secrets in a file encrypted with age to an
// X25519 identity that lives beside it, both readable only by their owner,
// and hashes passwords with argon2id.
package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/tonearm/tonearm/internal/fsutil"
)

// File names inside the store's folder.
const (
	IdentityFile = "secrets.key"
	StoreFile    = "secrets.age"
)

// Limits on what the store holds.
const (
	MaxValueSize = 64 << 10
	MaxSecrets   = 1000
	// maxStoreSize bounds the encrypted file read back.
	maxStoreSize = 2 * MaxSecrets * MaxValueSize
)

// ErrNotFound is returned for a name the store does not hold.
var ErrNotFound = errors.New("secret not found")

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// CheckName returns an error unless name is 1 to 64 letters, digits, '.',
// '_' or '-', the form a secret:NAME reference takes.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid secret name %q, must be 1 to 64 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// Options configure Open.
type Options struct {
	// Dir contains the identity and the store, normally [core] config_dir.
	// It is created with mode 0700 at the first Set.
	Dir string
	// Logger receives one record per change, with the name and never the
	// value; nil discards them.
	Logger *slog.Logger
}

// Store is the encrypted secret store. Its methods are safe for concurrent
// use within one process; two processes writing at once may lose one
// write, because each rewrites the whole file.
type Store struct {
	dir      string
	identity string
	store    string
	log      *slog.Logger
	mu       sync.Mutex
}

// Open returns the store in opts.Dir. It rejects an identity or store file
// that other users may read, or that another user owns.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("secret store folder is empty; set [core] config_dir")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		dir:      opts.Dir,
		identity: filepath.Join(opts.Dir, IdentityFile),
		store:    filepath.Join(opts.Dir, StoreFile),
		log:      log,
	}
	for _, p := range []string{s.identity, s.store} {
		if err := CheckPrivate(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return s, nil
}

// Paths returns the identity and store file paths.
func (s *Store) Paths() (identity, store string) { return s.identity, s.store }

// CheckPrivate returns an error when path is readable or writable by group
// or others, or owned by another user, with the command that fixes it.
// A missing file gives an error that wraps fs.ErrNotExist.
func CheckPrivate(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s is readable by group or others (mode %04o); run: chmod 600 %s",
			path, perm, path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by the user running Tonearm (uid %d); "+
			"run: chown %d %s", path, sys.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	return nil
}

// Get returns the value stored under name; a missing name gives an error
// wrapping ErrNotFound.
func (s *Store) Get(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return "", err
	}
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("%s in %s: %w", name, s.store, ErrNotFound)
	}
	return v, nil
}

// List returns the stored names in order.
func (s *Store) List() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// Set stores value under name, replacing any earlier value. It creates the
// folder and the identity on first use.
func (s *Store) Set(name, value string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if value == "" {
		return fmt.Errorf("secret %s: empty value; to remove it run: tonearm secret rm %s", name, name)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("secret %s: value of %d bytes is larger than %d bytes", name, len(value), MaxValueSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	if _, ok := m[name]; !ok && len(m) >= MaxSecrets {
		return fmt.Errorf("secret store %s is full (%d secrets); remove one first", s.store, MaxSecrets)
	}
	m[name] = value
	if err := s.write(m); err != nil {
		return err
	}
	s.log.Info("secret stored", "name", name, "store", s.store)
	return nil
}

// Delete removes name; a missing name gives an error wrapping ErrNotFound.
func (s *Store) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	if _, ok := m[name]; !ok {
		return fmt.Errorf("%s in %s: %w", name, s.store, ErrNotFound)
	}
	delete(m, name)
	if err := s.write(m); err != nil {
		return err
	}
	s.log.Info("secret removed", "name", name, "store", s.store)
	return nil
}

// storeFile is the plaintext inside the age file.
type storeFile struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

// read decrypts the store; a missing store is empty.
func (s *Store) read() (map[string]string, error) {
	data, err := readPrivate(s.store, maxStoreSize)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	id, err := s.loadIdentity(false)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s with %s: %w; the identity does not match the store",
			s.store, s.identity, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxStoreSize))
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", s.store, err)
	}
	var f storeFile
	if err := json.Unmarshal(plain, &f); err != nil {
		return nil, fmt.Errorf("decode %s: %w", s.store, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%s has format version %d, this Tonearm reads version 1", s.store, f.Version)
	}
	if f.Secrets == nil {
		f.Secrets = map[string]string{}
	}
	return f.Secrets, nil
}

func (s *Store) write(m map[string]string) error {
	if err := fsutil.MkdirPrivate(s.dir); err != nil {
		return err
	}
	id, err := s.loadIdentity(true)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(storeFile{Version: 1, Secrets: m})
	if err != nil {
		return fmt.Errorf("encode secrets: %w", err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		return fmt.Errorf("encrypt %s: %w", s.store, err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("encrypt %s: %w", s.store, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypt %s: %w", s.store, err)
	}
	return fsutil.WriteFileAtomic(s.store, buf.Bytes())
}

// loadIdentity reads the X25519 identity, or creates it when create is
// true and none exists.
func (s *Store) loadIdentity(create bool) (*age.X25519Identity, error) {
	data, err := readPrivate(s.identity, 64<<10)
	if errors.Is(err, fs.ErrNotExist) && create {
		return s.createIdentity()
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("identity %s is missing, so %s cannot be decrypted; "+
			"restore the identity from a backup", s.identity, s.store)
	}
	if err != nil {
		return nil, err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse identity %s: %w", s.identity, err)
	}
	id, ok := ids[0].(*age.X25519Identity)
	if len(ids) != 1 || !ok {
		return nil, fmt.Errorf("identity %s must hold exactly one X25519 key", s.identity)
	}
	return id, nil
}

func (s *Store) createIdentity() (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generate identity: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# created: %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintf(&b, "# decrypts %s; keep a backup, losing it loses every secret\n", StoreFile)
	b.WriteString(id.String() + "\n")
	if err := fsutil.WriteFileAtomic(s.identity, []byte(b.String())); err != nil {
		return nil, err
	}
	s.log.Info("secret identity created", "identity", s.identity)
	return id, nil
}

// readPrivate reads a file of at most max bytes after checking its mode
// and owner.
func readPrivate(path string, max int64) ([]byte, error) {
	if err := CheckPrivate(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}
