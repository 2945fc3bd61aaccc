package pkg

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/extension/manifest"
	"github.com/tonearm/tonearm/internal/fsutil"
)

// RecordName is the file in an installed extension's folder that records
// how it was installed.
const RecordName = ".install.json"

// Record describes an installed extension.
type Record struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Signed is false for a package installed with AllowUnsigned.
	Signed bool `json:"signed"`
	// Key is the fingerprint of the signing key, empty when unsigned.
	Key         string    `json:"key,omitempty"`
	SHA256      string    `json:"sha256"`
	InstalledAt time.Time `json:"installed_at"`
}

// Installed is an installed extension: its folder, manifest and record.
type Installed struct {
	Dir      string
	Manifest *manifest.Manifest
	Record   Record
}

// Executable returns the absolute path of the extension's program.
func (i Installed) Executable() string {
	return filepath.Join(i.Dir, filepath.FromSlash(i.Manifest.Executable))
}

// InstallOptions configures Install.
type InstallOptions struct {
	// Dir is the folder of installed extensions, <data_dir>/extensions.
	Dir string
	// Package and Signature are the package's bytes and its signature
	// file's bytes; a nil Signature means the package is unsigned.
	Package   []byte
	Signature []byte
	Trusted   []ed25519.PublicKey
	// AllowUnsigned installs a package without a signature. A package
	// with an invalid signature is rejected even so.
	AllowUnsigned bool
	// Now returns the install time; nil means time.Now.
	Now func() time.Time
}

// Install verifies a package and unpacks it into <Dir>/<name>, replacing
// an earlier version. Files get mode 0600, the executable 0700 and
// folders 0700. Every write goes through an os.Root, so no entry can
// escape the folder.
func Install(o InstallOptions) (Installed, error) {
	if len(o.Package) > MaxPackageSize {
		return Installed{}, fmt.Errorf("install: package of %d bytes exceeds %d", len(o.Package), MaxPackageSize)
	}
	rec := Record{InstalledAt: time.Now().UTC()}
	if o.Now != nil {
		rec.InstalledAt = o.Now().UTC()
	}
	switch {
	case o.Signature != nil:
		key, err := Verify(o.Package, o.Signature, o.Trusted)
		if err != nil {
			return Installed{}, fmt.Errorf("install: %w", err)
		}
		rec.Signed, rec.Key = true, Fingerprint(key)
	case !o.AllowUnsigned:
		return Installed{}, fmt.Errorf("install: %w: the package has no signature: sign it, or pass --allow-unsigned to install it marked unsigned", ErrUntrusted)
	}
	m, files, err := unpack(o.Package)
	if err != nil {
		return Installed{}, fmt.Errorf("install: %w", err)
	}
	if !slices.ContainsFunc(files, func(e entry) bool { return e.name == m.Executable }) {
		return Installed{}, fmt.Errorf("install %s: executable %q is not in the package", m.Name, m.Executable)
	}
	sum := sha256.Sum256(o.Package)
	rec.Name, rec.Version, rec.SHA256 = m.Name, m.Version, hex.EncodeToString(sum[:])

	if err := fsutil.MkdirPrivate(o.Dir); err != nil {
		return Installed{}, err
	}
	staging, err := os.MkdirTemp(o.Dir, "."+m.Name+".tmp-")
	if err != nil {
		return Installed{}, fmt.Errorf("install %s: %w", m.Name, err)
	}
	defer os.RemoveAll(staging)
	if err := writeFiles(staging, m, files, rec); err != nil {
		return Installed{}, fmt.Errorf("install %s: %w", m.Name, err)
	}
	final := filepath.Join(o.Dir, m.Name)
	if err := os.RemoveAll(final); err != nil {
		return Installed{}, fmt.Errorf("install %s: remove the old version: %w", m.Name, err)
	}
	if err := os.Rename(staging, final); err != nil {
		return Installed{}, fmt.Errorf("install %s: %w", m.Name, err)
	}
	if err := fsutil.SyncDir(o.Dir); err != nil {
		return Installed{}, err
	}
	return Installed{Dir: final, Manifest: m, Record: rec}, nil
}

func writeFiles(dir string, m *manifest.Manifest, files []entry, rec Record) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Chmod(".", fsutil.DirMode); err != nil {
		return err
	}
	for _, f := range files {
		if parent := path.Dir(f.name); parent != "." {
			if err := root.MkdirAll(parent, fsutil.DirMode); err != nil {
				return err
			}
		}
		mode := fsutil.FileMode
		if f.name == m.Executable {
			mode = 0o700
		}
		if err := root.WriteFile(f.name, f.data, mode); err != nil {
			return err
		}
		// WriteFile's mode passes through the umask; set it exactly.
		if err := root.Chmod(f.name, mode); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return root.WriteFile(RecordName, data, fsutil.FileMode)
}

// SignatureLabel returns "key " and the signing key's fingerprint, or
// UNSIGNED for a package installed with --allow-unsigned.
func (i Installed) SignatureLabel() string {
	if i.Record.Signed {
		return "key " + i.Record.Key
	}
	return "UNSIGNED"
}

// List returns the extensions installed in dir, sorted by name. A folder
// whose manifest or record fails to load is returned in the error list
// and skipped.
func List(dir string) ([]Installed, []error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("list extensions in %s: %w", dir, err)}
	}
	var out []Installed
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		inst, err := Load(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, inst)
	}
	return out, errs
}

// Load reads one installed extension's manifest and record.
func Load(dir string) (Installed, error) {
	mdata, err := ReadFile(filepath.Join(dir, manifest.FileName), manifest.MaxSize)
	if err != nil {
		return Installed{}, fmt.Errorf("load extension %s: %w", dir, err)
	}
	m, err := manifest.Parse(mdata)
	if err != nil {
		return Installed{}, fmt.Errorf("load extension %s: %w", dir, err)
	}
	if m.Name != filepath.Base(dir) {
		return Installed{}, fmt.Errorf("load extension %s: manifest names %q: reinstall the package", dir, m.Name)
	}
	rdata, err := ReadFile(filepath.Join(dir, RecordName), 4<<10)
	if err != nil {
		return Installed{}, fmt.Errorf("load extension %s: %w", dir, err)
	}
	var rec Record
	if err := json.Unmarshal(rdata, &rec); err != nil {
		return Installed{}, fmt.Errorf("load extension %s: invalid %s: %w", dir, RecordName, err)
	}
	return Installed{Dir: dir, Manifest: m, Record: rec}, nil
}

// Remove deletes an installed extension's folder.
func Remove(dir, name string) error {
	if err := scope.ValidName(name); err != nil {
		return fmt.Errorf("remove extension: %w", err)
	}
	target := filepath.Join(dir, name)
	if _, err := os.Stat(target); err != nil {
		return fmt.Errorf("remove extension %s: %w", name, err)
	}
	return os.RemoveAll(target)
}
