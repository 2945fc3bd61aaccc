// Package app is the tonearm command: it parses the command line, loads
// the configuration, builds the components and runs them, starting them
// in Mopidy 3.4's order (mixer, audio, backends, core, frontends) and
// stopping them in reverse.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/logging"
	"github.com/tonearm/tonearm/internal/secrets"
)

// Version is the release of this build.
const Version = "0.1.0-dev"

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Options carry the process's streams, environment and wiring to Main.
// Zero fields take the process's own values, so tests can run Main
// in-process.
type Options struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// HomeDir is the user's home folder; "" means os.UserHomeDir.
	HomeDir string
	// Getuid returns the effective user id; nil means os.Geteuid.
	Getuid func() int
	// LookPath finds a program as exec.LookPath does; nil means
	// exec.LookPath.
	LookPath func(file string) (string, error)
	// Wiring builds the server's parts; the zero value means DefaultWiring.
	Wiring Wiring
}

func (o *Options) fill() {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Getuid == nil {
		o.Getuid = os.Geteuid
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.Wiring.Components == nil && o.Wiring.NewScanner == nil {
		o.Wiring = DefaultWiring()
	}
}

// Main runs the command line args (without the program name) and returns
// the exit code. Cancelling ctx, as SIGINT and SIGTERM do, stops the
// server.
func Main(ctx context.Context, args []string, opts Options) int {
	opts.fill()
	inv, err := parseArgs(args, opts.Stdout, opts.Stderr)
	if errors.Is(err, errHelpShown) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(opts.Stderr, "tonearm: %v\nRun 'tonearm --help' for usage.\n", err)
		return ExitUsage
	}
	r := &runner{opts: opts, inv: inv}
	return r.run(ctx)
}

// runner carries one invocation through its command.
type runner struct {
	opts Options
	inv  *invocation
	cfg  *config.Config
	log  *slog.Logger
}

func (r *runner) run(ctx context.Context) int {
	switch r.inv.command {
	case "version":
		fmt.Fprintln(r.opts.Stdout, versionString())
		return ExitOK
	case "config":
		return r.runConfig()
	case "doctor":
		return r.runDoctor()
	}
	if isExtensionTool(r.inv.command) {
		return r.runExtensionTool()
	}
	// The extension commands use no secret, so an unset env: reference
	// does not keep them from running.
	skipSecrets := strings.HasPrefix(r.inv.command, "secret ") || strings.HasPrefix(r.inv.command, "extension ")
	if err := r.load(skipSecrets); err != nil {
		r.fail(err)
		return ExitFailure
	}
	if err := r.checkRoot(); err != nil && r.inv.command != "secret hash" {
		r.fail(err)
		return ExitFailure
	}
	var err error
	switch r.inv.command {
	case "run":
		err = r.runServer(ctx)
	case "local scan":
		err = r.runLocalScan(ctx)
	case "local clear":
		err = r.runLocalClear(ctx)
	case "secret set":
		err = r.runSecretSet()
	case "secret list":
		err = r.runSecretList()
	case "secret rm":
		err = r.runSecretRemove()
	case "secret hash":
		err = r.runSecretHash()
	case "user add", "user list", "user rm", "user passwd",
		"token create", "token list", "token revoke":
		err = r.runAccounts(ctx)
	case "extension install", "extension list", "extension remove":
		err = r.runExtensions()
	default:
		err = fmt.Errorf("unknown command %q", r.inv.command)
	}
	if err != nil {
		if r.inv.command == "run" {
			r.log.Error("server failed", "err", err)
		}
		r.fail(err)
		return ExitFailure
	}
	return ExitOK
}

// fail prints an error before a logger exists.
func (r *runner) fail(err error) {
	msg := err.Error()
	if r.cfg != nil {
		for _, s := range r.cfg.Secrets() {
			msg = strings.ReplaceAll(msg, s, config.Mask)
		}
	}
	fmt.Fprintf(r.opts.Stderr, "tonearm: %s\n", strings.ReplaceAll(msg, "\n", "\ntonearm: "))
}

// configOptions turns the global flags into config.Options.
func (r *runner) configOptions(skipSecrets bool) config.Options {
	o := config.Options{
		Overrides:   r.inv.overrides,
		LookupEnv:   r.opts.LookupEnv,
		HomeDir:     r.opts.HomeDir,
		SkipSecrets: skipSecrets,
		OpenSecrets: func(dir string) (config.SecretGetter, error) {
			return secrets.Open(secrets.Options{Dir: dir})
		},
	}
	if r.inv.configFiles != "" {
		o.Files = strings.Split(r.inv.configFiles, ":")
	}
	if r.inv.allowRoot {
		o.Overrides = append(o.Overrides, "core/allow_root=true")
	}
	return o
}

// load reads the configuration and builds the logger from it.
func (r *runner) load(skipSecrets bool) error {
	cfg, err := config.Load(r.configOptions(skipSecrets))
	r.cfg = cfg
	if err != nil {
		return err
	}
	r.log = logging.New(logging.Options{
		Writer:    r.opts.Stderr,
		Verbosity: r.verbosity(),
		Format:    cfg.Logging.Format,
		Levels:    cfg.LogLevels,
		Secrets:   cfg.Secrets(),
	})
	for _, w := range cfg.Warnings {
		r.log.Warn(w, "component", "config")
	}
	return nil
}

// verbosity applies -q and -v over [logging] verbosity, as Mopidy 3.4's
// command line does: the flags replace the config value.
func (r *runner) verbosity() int {
	switch {
	case r.inv.quiet:
		return -1
	case r.inv.verbose > 0:
		return min(r.inv.verbose, 4)
	}
	return r.cfg.Logging.Verbosity
}

// checkRoot rejects running as root unless allowed.
func (r *runner) checkRoot() error {
	if r.opts.Getuid() != 0 || r.cfg.Core.AllowRoot {
		return nil
	}
	return errors.New("refusing to run as root: a flaw in Tonearm would own the machine; " +
		"run it as an unprivileged user (see contrib/tonearm.service), " +
		"or pass --allow-root or set [core] allow_root = true")
}

func versionString() string {
	s := fmt.Sprintf("tonearm %s %s %s/%s", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range info.Settings {
			if kv.Key == "vcs.revision" {
				s += " " + kv.Value
			}
		}
	}
	return s
}

// runConfig prints the effective configuration; problems are printed as
// "; " comments first, as Mopidy 3.4's `mopidy config` does.
func (r *runner) runConfig() int {
	cfg, err := config.Load(r.configOptions(true))
	if cfg == nil {
		fmt.Fprintf(r.opts.Stderr, "tonearm: %v\n", err)
		return ExitFailure
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(r.opts.Stdout, "; warning: %s\n", w)
	}
	var errs config.Errors
	errors.As(err, &errs)
	for _, p := range errs {
		fmt.Fprintf(r.opts.Stdout, "; error: %s\n", p.Error())
	}
	if len(cfg.Warnings)+len(errs) > 0 {
		fmt.Fprintln(r.opts.Stdout)
	}
	fmt.Fprint(r.opts.Stdout, cfg.Format())
	if err != nil {
		return ExitFailure
	}
	return ExitOK
}
