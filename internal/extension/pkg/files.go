package pkg

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/tonearm/tonearm/internal/extension/manifest"
	"github.com/tonearm/tonearm/internal/fsutil"
)

// These functions back the `tonearm extension` commands: keygen, pack,
// sign, install, list and remove.

// GenerateKey writes a new ed25519 private key to keyPath with mode 0600,
// refusing to overwrite a file, and returns the public key in base64 for
// [extensions] trusted_keys.
func GenerateKey(keyPath string) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(keyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fsutil.FileMode)
	if err != nil {
		return "", fmt.Errorf("write signing key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return "", fmt.Errorf("write signing key %s: %w", keyPath, err)
	}
	return base64.StdEncoding.EncodeToString(pub), nil
}

// ReadKey reads a private key that GenerateKey wrote.
func ReadKey(keyPath string) (ed25519.PrivateKey, error) {
	data, err := ReadFile(keyPath, 1024)
	if err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing key %s: expected a %d-byte seed in base64, as `tonearm extension keygen` writes", keyPath, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// BuildDir packs a folder that holds manifest.json and the files beside
// it. Symbolic links and special files are rejected.
func BuildDir(dir string, w io.Writer) error {
	mdata, err := ReadFile(filepath.Join(dir, manifest.FileName), manifest.MaxSize)
	if err != nil {
		return err
	}
	m, err := manifest.Parse(mdata)
	if err != nil {
		return err
	}
	var files []File
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("pack %s: %s is not a regular file: copy its target into the folder", dir, rel)
		case rel == manifest.FileName:
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		if total > MaxUnpacked || len(files) >= MaxEntries {
			return fmt.Errorf("pack %s: more than %d bytes or %d files", dir, MaxUnpacked, MaxEntries)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Name: rel, Data: data, Executable: rel == m.Executable})
		return nil
	})
	if err != nil {
		return err
	}
	return Build(w, m, files)
}

// SignFile writes the signature of the package at pkgPath to
// pkgPath+".sig".
func SignFile(pkgPath, keyPath string) error {
	key, err := ReadKey(keyPath)
	if err != nil {
		return err
	}
	data, err := ReadFile(pkgPath, MaxPackageSize)
	if err != nil {
		return err
	}
	sig, err := Sign(data, key)
	if err != nil {
		return err
	}
	return os.WriteFile(pkgPath+SignatureSuffix, sig, 0o644)
}

// InstallFile installs the package at pkgPath, with its signature from
// pkgPath+".sig" when that file exists.
func InstallFile(dir, pkgPath string, trustedKeys []string, allowUnsigned bool) (Installed, error) {
	trusted, err := ParseTrustedKeys(trustedKeys)
	if err != nil {
		return Installed{}, err
	}
	data, err := ReadFile(pkgPath, MaxPackageSize)
	if err != nil {
		return Installed{}, err
	}
	sig, err := ReadFile(pkgPath+SignatureSuffix, maxSignature)
	if errors.Is(err, fs.ErrNotExist) {
		sig, err = nil, nil
	}
	if err != nil {
		return Installed{}, err
	}
	return Install(InstallOptions{Dir: dir, Package: data, Signature: sig, Trusted: trusted, AllowUnsigned: allowUnsigned})
}

// WriteList prints the installed extensions as a table. An unsigned one
// is marked UNSIGNED.
func WriteList(w io.Writer, dir string) error {
	list, errs := List(dir)
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSIGNATURE\tSCHEMES\tSCOPES")
	for _, inst := range list {
		m := inst.Manifest
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, inst.SignatureLabel(),
			strings.Join(m.Schemes, ","), strings.Join(m.Scopes, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	return errors.Join(errs...)
}
