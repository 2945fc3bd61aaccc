// Package auth stores accounts, sessions and API tokens, and limits login
// attempts. Passwords are kept as argon2id hashes and tokens and session ids
// as SHA-256 digests, so a copy of the database reveals no credential.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Prefixes make leaked credentials easy to recognise in logs and scanners.
const (
	tokenPrefix   = "tna_"
	sessionPrefix = "tns_"
)

// newSecret returns a prefixed random string with 256 bits of entropy.
func newSecret(prefix string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// digest returns the hex SHA-256 of a token or session id, the only form
// stored. A fast hash is enough because the secret itself has 256 bits.
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// looksLikeToken reports whether s has the API token form.
func looksLikeToken(s string) bool {
	return strings.HasPrefix(s, tokenPrefix) && len(s) < 128
}
