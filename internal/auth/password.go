// Package auth stores accounts, sessions and API tokens, and limits login
// attempts. Passwords are kept as argon2id hashes and tokens and session ids
// as SHA-256 digests, so a copy of the database reveals no credential.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 19 MiB, 2 passes, 1 lane, the minimum that OWASP's
// password storage guidance lists for argon2id. Verifying takes about 35 ms
// on the reference machine (estimate from one measurement).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// MaxPasswordLength bounds the bytes hashed for one attempt.
const MaxPasswordLength = 1024

// ErrInvalidHash is returned for a stored hash that is not an argon2id PHC
// string.
var ErrInvalidHash = errors.New("invalid password hash: expected $argon2id$v=19$m=...,t=...,p=...$salt$hash")

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("empty password: choose a password of at least one character")
	}
	if len(password) > MaxPasswordLength {
		return "", fmt.Errorf("password of %d bytes is too long: the maximum is %d", len(password), MaxPasswordLength)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC hash. The
// comparison of the derived keys runs in constant time.
func VerifyPassword(hash, password string) (bool, error) {
	params, salt, want, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, params.time, params.memory, params.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// IsPasswordHash reports whether s looks like an argon2id PHC string.
func IsPasswordHash(s string) bool {
	_, _, _, err := parseHash(s)
	return err == nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func parseHash(hash string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrInvalidHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrInvalidHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, ErrInvalidHash
	}
	// Bounds keep a crafted hash from costing more than 256 MiB or many
	// seconds per attempt.
	if p.memory < 8 || p.memory > 256*1024 || p.time < 1 || p.time > 10 || p.threads < 1 || p.threads > 16 {
		return p, nil, nil, ErrInvalidHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, ErrInvalidHash
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrInvalidHash
	}
	return p, salt, key, nil
}
