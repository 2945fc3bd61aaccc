package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/extension/pkg"
	"github.com/tonearm/tonearm/internal/sandbox"
)

// isExtensionTool reports whether command works on files alone, so that
// it runs without loading the configuration.
func isExtensionTool(command string) bool {
	return command == "extension keygen" || command == "extension pack" || command == "extension sign"
}

// runExtensionTool runs keygen, pack and sign, which read and write only
// the files named on the command line.
func (r *runner) runExtensionTool() int {
	var err error
	switch r.inv.command {
	case "extension keygen":
		err = r.runExtensionKeygen()
	case "extension pack":
		err = r.runExtensionPack()
	case "extension sign":
		err = r.runExtensionSign()
	default:
		err = fmt.Errorf("unknown command %q", r.inv.command)
	}
	if err != nil {
		r.fail(err)
		return ExitFailure
	}
	return ExitOK
}

func (r *runner) runExtensionKeygen() error {
	keyPath := r.inv.args[0]
	pub, err := pkg.GenerateKey(keyPath)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: keygen never overwrites a key; name another file, or remove the old key if nothing signs with it", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.opts.Stderr, "Wrote the private signing key to %s; keep it secret. "+
		"Add this public key to [extensions] trusted_keys of each server that should accept your packages:\n", keyPath)
	fmt.Fprintln(r.opts.Stdout, pub)
	return nil
}

// runExtensionPack writes the package to a temporary file beside OUT and
// renames it, so a failed pack leaves no partial package behind.
func (r *runner) runExtensionPack() error {
	dir, out := r.inv.args[0], r.inv.args[1]
	if inside, err := isInside(out, dir); err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	} else if inside {
		return fmt.Errorf("pack %s: the output %s is inside the folder being packed: write it elsewhere", dir, out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	buildErr := pkg.BuildDir(dir, tmp)
	if err := errors.Join(buildErr, tmp.Close()); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	}
	fmt.Fprintf(r.opts.Stdout, "packed %s into %s; sign it with: tonearm extension sign %s --key KEYFILE\n", dir, out, out)
	return nil
}

// isInside reports whether path lies inside dir, after making both
// absolute. Symbolic links are not resolved.
func isInside(path, dir string) (bool, error) {
	absPath, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && filepath.IsLocal(rel), nil
}

func (r *runner) runExtensionSign() error {
	pkgPath := r.inv.args[0]
	if r.inv.keyFile == "" {
		return errors.New("extension sign needs --key KEYFILE, the private key that `tonearm extension keygen` wrote")
	}
	if err := pkg.SignFile(pkgPath, r.inv.keyFile); err != nil {
		return err
	}
	fmt.Fprintf(r.opts.Stdout, "wrote the signature %s%s; ship it beside the package\n", pkgPath, pkg.SignatureSuffix)
	return nil
}

// runExtensions runs install, list and remove, which work on
// <data_dir>/extensions.
func (r *runner) runExtensions() error {
	if err := r.prepareDirs(); err != nil {
		return err
	}
	dir := r.cfg.Core.ExtensionsDir()
	out := r.opts.Stdout
	switch r.inv.command {
	case "extension install":
		inst, err := pkg.InstallFile(dir, r.inv.args[0], r.cfg.Extensions.TrustedKeys, r.inv.allowUnsigned)
		if err != nil {
			return err
		}
		name := inst.Manifest.Name
		if inst.Record.Signed {
			fmt.Fprintf(out, "installed %s %s, signed by key %s\n", name, inst.Manifest.Version, inst.Record.Key)
		} else {
			fmt.Fprintf(out, "installed %s %s UNSIGNED: no signature vouches for its content. "+
				"`tonearm doctor` reports it until you install a signed package\n",
				name, inst.Manifest.Version)
		}
		if slices.Contains(r.cfg.Extensions.Disabled, name) {
			fmt.Fprintf(out, "%s is in [extensions] disabled, so the server does not start it\n", name)
		} else {
			fmt.Fprintln(out, "restart the server to start it")
		}
	case "extension list":
		return writeExtensionList(out, dir, r.cfg)
	case "extension remove":
		name := r.inv.args[0]
		err := pkg.Remove(dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: `tonearm extension list` shows the installed names", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "removed extension %s; restart the server to stop it\n", name)
	}
	return nil
}

// writeExtensionList prints the installed extensions as a table. The
// SIGNATURE column shows UNSIGNED for a package installed with
// --allow-unsigned, and STATUS shows whether the server starts it.
func writeExtensionList(w io.Writer, dir string, cfg *config.Config) error {
	trusted, err := trustedFingerprints(cfg)
	if err != nil {
		return err
	}
	list, errs := pkg.List(dir)
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSIGNATURE\tSTATUS\tSCHEMES\tSCOPES")
	for _, inst := range list {
		m := inst.Manifest
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, inst.SignatureLabel(), extensionStatus(inst, cfg, trusted),
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

// extensionStatus returns whether the server starts inst: "enabled",
// "disabled" or "key not trusted".
func extensionStatus(inst pkg.Installed, cfg *config.Config, trusted []string) string {
	switch {
	case slices.Contains(cfg.Extensions.Disabled, inst.Manifest.Name):
		return "disabled"
	case inst.Record.Signed && !slices.Contains(trusted, inst.Record.Key):
		return "key not trusted"
	}
	return "enabled"
}

// trustedFingerprints returns the fingerprints of [extensions]
// trusted_keys, as installed records name their keys.
func trustedFingerprints(cfg *config.Config) ([]string, error) {
	keys, err := pkg.ParseTrustedKeys(cfg.Extensions.TrustedKeys)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, pkg.Fingerprint(k))
	}
	return out, nil
}

// checkExtensions reports unsigned installed extensions and a sandbox
// that may run weaker than it should.
func checkExtensions(cfg *config.Config) []finding {
	var out []finding
	if cfg.Extensions.AllowWeakLandlock {
		problem := fmt.Sprintf("[extensions] allow_weak_landlock = true starts extensions with a weaker sandbox "+
			"when the kernel's Landlock ABI is older than %d (Linux 6.12); this kernel has ABI %d", sandbox.MinABI, sandbox.ABI())
		out = append(out, finding{problem, "set [extensions] allow_weak_landlock = false, and run Linux 6.12 or later"})
	}
	list, _ := pkg.List(cfg.Core.ExtensionsDir())
	for _, inst := range list {
		if inst.Record.Signed {
			continue
		}
		name := inst.Manifest.Name
		out = append(out, finding{fmt.Sprintf("extension %s is UNSIGNED: it was installed with --allow-unsigned, "+
			"so nothing vouches for its content", name),
			fmt.Sprintf("sign its package (tonearm extension sign PKG --key KEYFILE) and install it again, "+
				"or run: tonearm extension remove %s", name)})
	}
	return out
}
