// Package pkg builds, signs, verifies and installs extension packages.
//
// A package is a gzip-compressed tar archive holding manifest.json, the
// executable it names and any other files. Its signature is a separate
// JSON file (the package path plus ".sig") holding an ed25519 public key
// and the signature of the package's SHA-256 digest. Install accepts a
// package only when a trusted key signed it. With AllowUnsigned it also
// accepts a package without a signature file, and the installed folder
// records that the package is unsigned.
package pkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/extension/manifest"
)

// Bounds on a package.
const (
	MaxPackageSize = 64 << 20
	MaxUnpacked    = 256 << 20
	MaxEntries     = 1000
	maxSignature   = 4 << 10
)

// SignatureSuffix is appended to a package path to name its signature.
const SignatureSuffix = ".sig"

// ErrUntrusted is returned for a package whose signature is missing,
// invalid or made by a key outside the trust list.
var ErrUntrusted = errors.New("extension package not trusted")

// Signature is the content of a package's signature file.
type Signature struct {
	// PublicKey is the signer's ed25519 public key in standard base64.
	PublicKey string `json:"public_key"`
	// Signature signs the SHA-256 digest of the package, in base64.
	Signature string `json:"signature"`
}

// File is one file to put in a package by Build.
type File struct {
	// Name is the path inside the package, relative and clean.
	Name       string
	Data       []byte
	Executable bool
}

// Build writes a package holding the manifest and files. It checks the
// manifest and that the executable is among files.
func Build(w io.Writer, m *manifest.Manifest, files []File) error {
	if err := m.Validate(); err != nil {
		return err
	}
	mdata, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	found := false
	for _, f := range files {
		found = found || f.Name == m.Executable
	}
	if !found {
		return fmt.Errorf("build package %s: executable %q is not among the files", m.Name, m.Executable)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	all := append([]File{{Name: manifest.FileName, Data: mdata}}, files...)
	for _, f := range all {
		mode := int64(0o644)
		if f.Executable {
			mode = 0o755
		}
		hdr := &tar.Header{Name: f.Name, Mode: mode, Size: int64(len(f.Data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("build package %s: %w", m.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return fmt.Errorf("build package %s: %w", m.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Sign returns the signature file's content for package data.
func Sign(data []byte, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign package: private key has %d bytes, expected %d", len(key), ed25519.PrivateKeySize)
	}
	digest := sha256.Sum256(data)
	sig := Signature{
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, digest[:])),
	}
	return json.MarshalIndent(sig, "", "  ")
}

// ParseTrustedKeys decodes base64 ed25519 public keys, as the config's
// [extensions] trusted_keys lists them.
func ParseTrustedKeys(keys []string) ([]ed25519.PublicKey, error) {
	out := make([]ed25519.PublicKey, 0, len(keys))
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("trusted key %q: expected %d bytes in standard base64, as `tonearm extension keygen` prints", k, ed25519.PublicKeySize)
		}
		out = append(out, ed25519.PublicKey(raw))
	}
	return out, nil
}

// Fingerprint returns a short hex name of a public key: the first 8
// bytes of its SHA-256 digest.
func Fingerprint(key ed25519.PublicKey) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// Verify checks sigData against package data and the trusted keys and
// returns the signing key.
func Verify(data, sigData []byte, trusted []ed25519.PublicKey) (ed25519.PublicKey, error) {
	if len(sigData) > maxSignature {
		return nil, fmt.Errorf("%w: signature file exceeds %d bytes", ErrUntrusted, maxSignature)
	}
	var sig Signature
	if err := json.Unmarshal(sigData, &sig); err != nil {
		return nil, fmt.Errorf("%w: invalid signature file: %v", ErrUntrusted, err)
	}
	pub, err := base64.StdEncoding.DecodeString(sig.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: invalid public key in signature file", ErrUntrusted)
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Signature)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: invalid signature in signature file", ErrUntrusted)
	}
	known := false
	for _, k := range trusted {
		known = known || k.Equal(ed25519.PublicKey(pub))
	}
	if !known {
		return nil, fmt.Errorf("%w: key %s is not in [extensions] trusted_keys: add it if you trust the publisher", ErrUntrusted, Fingerprint(pub))
	}
	digest := sha256.Sum256(data)
	if !ed25519.Verify(pub, digest[:], raw) {
		return nil, fmt.Errorf("%w: signature does not match the package: it was changed after signing", ErrUntrusted)
	}
	return pub, nil
}

// entry is one unpacked regular file.
type entry struct {
	name string
	data []byte
	exec bool
}

// unpack reads a package's files with bounded sizes and counts. Only
// regular files and folders with clean relative names are accepted.
func unpack(data []byte) (*manifest.Manifest, []entry, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("read package: not gzip: %w", err)
	}
	tr := tar.NewReader(gz)
	var files []entry
	var total int64
	seen := make(map[string]bool)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read package: %w", err)
		}
		if len(files) >= MaxEntries {
			return nil, nil, fmt.Errorf("read package: more than %d entries", MaxEntries)
		}
		name := strings.TrimSuffix(hdr.Name, "/")
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || seen[name] {
			return nil, nil, fmt.Errorf("read package: invalid or repeated entry name %q", hdr.Name)
		}
		seen[name] = true
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, nil, fmt.Errorf("read package: entry %q is not a regular file or folder", hdr.Name)
		}
		total += hdr.Size
		if hdr.Size < 0 || total > MaxUnpacked {
			return nil, nil, fmt.Errorf("read package: unpacked size exceeds %d bytes", MaxUnpacked)
		}
		body, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return nil, nil, fmt.Errorf("read package entry %q: %w", name, err)
		}
		files = append(files, entry{name: name, data: body, exec: hdr.Mode&0o111 != 0})
	}
	var m *manifest.Manifest
	for _, f := range files {
		if f.name == manifest.FileName {
			if m, err = manifest.Parse(f.data); err != nil {
				return nil, nil, err
			}
		}
	}
	if m == nil {
		return nil, nil, fmt.Errorf("read package: %s is missing", manifest.FileName)
	}
	return m, files, nil
}

// ReadManifest returns the manifest inside package data without
// checking its signature.
func ReadManifest(data []byte) (*manifest.Manifest, error) {
	m, _, err := unpack(data)
	return m, err
}

// ReadFile reads a package or signature file of at most max bytes.
func ReadFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: file exceeds %d bytes", name, max)
	}
	return data, nil
}
