// Package passhash hashes passwords with argon2id into PHC strings and
// checks a password against a stored hash or, for configs that still hold
// one, a plain password, in constant time.
package passhash

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: 19 MiB, 2 passes, 1 lane.
// BenchmarkHashPassword measures what one hash costs on a given machine.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Upper bounds on the parameters of a hash read back, so a crafted hash
// cannot make a check take all memory or time.
const (
	maxArgonMemory  = 256 * 1024
	maxArgonTime    = 16
	maxArgonThreads = 16
	maxArgonKeyLen  = 128
)

// MaxPasswordSize bounds a password given to Hash or Check.
const MaxPasswordSize = 1024

// Hash returns password's argon2id hash as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func Hash(password string) (string, error) {
	if password == "" {
		return "", errors.New("empty password")
	}
	if len(password) > MaxPasswordSize {
		return "", fmt.Errorf("password longer than %d bytes", MaxPasswordSize)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// Parse checks an argon2id PHC string and its parameter bounds.
func Parse(s string) error {
	_, err := parsePHC(s)
	return err
}

func parsePHC(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errors.New("invalid argon2id hash, must be $argon2id$v=19$m=M,t=T,p=P$SALT$HASH")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, fmt.Errorf("invalid argon2id hash version %q, must be v=%d", parts[2], argon2.Version)
	}
	var m, t, p uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != parts[3] {
		return h, fmt.Errorf("invalid argon2id parameters %q, must be m=M,t=T,p=P", parts[3])
	}
	if m < 8*p || m > maxArgonMemory || t < 1 || t > maxArgonTime || p < 1 || p > maxArgonThreads {
		return h, fmt.Errorf("argon2id parameters %q out of range: m up to %d KiB, t 1..%d, p 1..%d",
			parts[3], maxArgonMemory, maxArgonTime, maxArgonThreads)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return h, errors.New("invalid argon2id salt, must be at least 8 bytes of unpadded base64")
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxArgonKeyLen {
		return h, fmt.Errorf("invalid argon2id hash, must be 16 to %d bytes of unpadded base64", maxArgonKeyLen)
	}
	return phc{memory: m, time: t, threads: uint8(p), salt: salt, key: key}, nil
}

// Check reports whether given matches stored, which is an argon2id
// PHC string or, when it does not start with "$argon2id$", a plain
// password from an env: or secret: reference. Both compare in constant
// time.
func Check(stored, given string) (bool, error) {
	if len(given) > MaxPasswordSize {
		return false, nil
	}
	if !strings.HasPrefix(stored, "$argon2id$") {
		a, b := sha256.Sum256([]byte(stored)), sha256.Sum256([]byte(given))
		return subtle.ConstantTimeCompare(a[:], b[:]) == 1, nil
	}
	h, err := parsePHC(stored)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(given), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// IsHash reports whether s is a valid argon2id PHC string.
func IsHash(s string) bool { return Parse(s) == nil }
