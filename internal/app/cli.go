package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelpShown reports that --help printed its text.
var errHelpShown = errors.New("help shown")

// invocation is a parsed command line.
type invocation struct {
	// command is "run", "config", "version", "doctor", "local scan",
	// "local clear", "secret set", "secret list", "secret rm" or
	// "secret hash".
	command     string
	args        []string
	configFiles string
	overrides   []string
	verbose     int
	quiet       bool
	allowRoot   bool
	force       bool
	scopes      string
	// keyFile is --key of extension sign.
	keyFile string
	// allowUnsigned is --allow-unsigned of extension install.
	allowUnsigned bool
}

// command describes one subcommand for parsing and help.
type command struct {
	name    string
	summary string
	usage   string
	help    string
	// nargs is the number of positional arguments.
	nargs int
	force bool
	// scope adds the --scope option.
	scope bool
	// key adds the --key option; allowUnsigned adds --allow-unsigned.
	key           bool
	allowUnsigned bool
}

func commands() []command {
	return []command{
		{name: "run", summary: "run the server until SIGINT or SIGTERM", usage: "tonearm [OPTIONS]", help: "Runs the server until SIGINT or SIGTERM, " +
			"then stops it cleanly. This is what tonearm does without a command."},
		{name: "config", summary: "print the effective configuration, secrets masked", usage: "tonearm [OPTIONS] config", help: "Prints the effective " +
			"configuration in Mopidy's format: defaults, files and -o overrides merged, secrets " +
			"shown as ******** and env:/secret: references as written. Warnings and errors come " +
			"first as ; comments. Exits 1 when the configuration has errors."},
		{name: "version", summary: "print the version", usage: "tonearm version", help: "Prints the version of Tonearm and Go."},
		{name: "doctor", summary: "report insecure settings with their fixes", usage: "tonearm [OPTIONS] doctor", help: "Reports every insecure setting " +
			"with its fix: listeners beyond loopback without a password, plain HTTP beyond " +
			"loopback, a plain-text MPD password, config, secret or data files other users can " +
			"read, running as root, unsigned extensions, [extensions] allow_weak_landlock = true. " +
			"Exits 1 when it finds any."},
		{name: "local scan", summary: "scan [local] media_dir into the library", usage: "tonearm [OPTIONS] local scan [--force]", force: true,
			help: "Scans [local] media_dir into the library database: new and changed files " +
				"are read, removed ones dropped."},
		{name: "local clear", summary: "remove every track from the library", usage: "tonearm [OPTIONS] local clear", help: "Removes every " +
			"track from the library database; the music files stay."},
		{name: "secret set", summary: "store a secret read from the terminal or stdin", usage: "tonearm [OPTIONS] secret set NAME", nargs: 1, help: "Stores " +
			"a secret under NAME in the encrypted store in [core] config_dir, for " +
			"references written secret:NAME. The value is read from the terminal without echo, " +
			"or from standard input; never from the command line, where other users could see it."},
		{name: "secret list", summary: "list the names of stored secrets", usage: "tonearm [OPTIONS] secret list", help: "Prints the names " +
			"of the stored secrets, never their values."},
		{name: "secret rm", summary: "remove a stored secret", usage: "tonearm [OPTIONS] secret rm NAME", nargs: 1, help: "Removes " +
			"the secret NAME from the store."},
		{name: "user add", summary: "create an account for the web interface and API", usage: "tonearm [OPTIONS] user add NAME [--scope S,S...]", nargs: 1, scope: true,
			help: "Creates the account NAME. The password is read from the terminal without echo, or " +
				"from standard input; never from the command line. Without --scope the account holds every scope."},
		{name: "user list", summary: "list the accounts", usage: "tonearm [OPTIONS] user list", help: "Prints each account with its scopes."},
		{name: "user rm", summary: "remove an account, its sessions and tokens", usage: "tonearm [OPTIONS] user rm NAME", nargs: 1,
			help: "Removes the account NAME with its sessions and API tokens."},
		{name: "user passwd", summary: "change an account's password", usage: "tonearm [OPTIONS] user passwd NAME", nargs: 1,
			help: "Sets a new password for NAME, read like user add, and ends every session of NAME."},
		{name: "token create", summary: "create an API token and print it once", usage: "tonearm [OPTIONS] token create NAME --scope S,S...", nargs: 1, scope: true,
			help: "Creates the API token NAME with the given scopes and prints it once; only its digest is stored. " +
				"Apps send it as 'Authorization: Bearer TOKEN'. Scopes: library:read, playback:read, tracklist:add, " +
				"playback:control, tracklist:write, playlists:write, library:update, admin."},
		{name: "token list", summary: "list the API tokens", usage: "tonearm [OPTIONS] token list", help: "Prints each token's name, owner, scopes and last use, never the token."},
		{name: "token revoke", summary: "revoke an API token at once", usage: "tonearm [OPTIONS] token revoke NAME", nargs: 1,
			help: "Deletes the token NAME; requests that carry it are rejected from then on."},
		{name: "secret hash", summary: "print the argon2id hash of a password", usage: "tonearm [OPTIONS] secret hash", help: "Reads a password " +
			"like secret set and prints its argon2id hash, for [mpd] passwords = HASH@read,add."},
		{name: "extension keygen", summary: "create a key for signing extension packages", usage: "tonearm extension keygen KEYFILE", nargs: 1,
			help: "Writes a new ed25519 private key to KEYFILE with mode 0600, refusing to overwrite a file, and prints " +
				"its public key in base64 for [extensions] trusted_keys."},
		{name: "extension pack", summary: "pack a folder into an extension package", usage: "tonearm extension pack DIR OUT", nargs: 2,
			help: "Packs DIR, which holds manifest.json, the executable it names and any other files, into the " +
				"gzip-compressed tar OUT. The manifest is checked; symbolic links and special files are rejected."},
		{name: "extension sign", summary: "sign an extension package", usage: "tonearm extension sign PKG --key KEYFILE", nargs: 1, key: true,
			help: "Signs the package PKG with the private key in KEYFILE and writes the signature to PKG.sig, " +
				"which install reads from beside the package."},
		{name: "extension install", summary: "install an extension package", usage: "tonearm [OPTIONS] extension install PKG [--allow-unsigned]", nargs: 1, allowUnsigned: true,
			help: "Checks PKG against its signature PKG.sig and [extensions] trusted_keys, then unpacks it into " +
				"<data_dir>/extensions/<name>, replacing an earlier version. A package changed after signing, or " +
				"signed by a key outside trusted_keys, is rejected. A package without PKG.sig installs only with " +
				"--allow-unsigned and is listed as UNSIGNED. Restart the server to start the extension."},
		{name: "extension list", summary: "list the installed extensions", usage: "tonearm [OPTIONS] extension list",
			help: "Prints each installed extension with its version, signing key (UNSIGNED when it has none), " +
				"whether the server starts it, its URI schemes and the scopes it requests."},
		{name: "extension remove", summary: "remove an installed extension", usage: "tonearm [OPTIONS] extension remove NAME", nargs: 1,
			help: "Deletes the extension NAME from <data_dir>/extensions. Restart the server to stop it."},
	}
}

const globalHelp = `Options (before or after the command):
  --config FILE[:FILE...]  config files or folders (each folder's *.conf),
                           later ones winning; the default reads
                           /etc/tonearm/tonearm.conf, then
                           $XDG_CONFIG_HOME/tonearm/tonearm.conf
  -o SECTION/KEY=VALUE     sets one config value over the files; repeatable
  -v                       more log output: sets [logging] verbosity to the
                           number of -v given (1 debug, 3 trace, 4 all)
  -q                       less log output: sets [logging] verbosity to -1
                           (warnings and errors only)
  --allow-root             lets the server run as root: sets [core] allow_root
  -h, --help               prints this help
`

func overview() string {
	var b strings.Builder
	b.WriteString("Tonearm is a music server that speaks the MPD protocol and Mopidy's " +
		"JSON-RPC API.\n\nUsage: tonearm [OPTIONS] [COMMAND]\n\nCommands:\n")
	for _, c := range commands() {
		name := c.name
		if name == "run" {
			name = "(none)"
		}
		fmt.Fprintf(&b, "  %-18s %s\n", name, c.summary)
	}
	b.WriteString("\n" + globalHelp + "\nRun 'tonearm COMMAND --help' for a command's help.\n")
	return b.String()
}

// newFlagSet registers the global flags on a flag set, so they work
// before and after the command.
func newFlagSet(name string, inv *invocation) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&inv.configFiles, "config", inv.configFiles, "")
	fs.Func("o", "", func(s string) error {
		inv.overrides = append(inv.overrides, s)
		return nil
	})
	fs.BoolFunc("v", "", func(string) error {
		inv.verbose++
		return nil
	})
	fs.BoolVar(&inv.quiet, "q", inv.quiet, "")
	fs.BoolVar(&inv.allowRoot, "allow-root", inv.allowRoot, "")
	return fs
}

// expandShortFlags turns "-vvv" into "-v -v -v".
func expandShortFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.Trim(a[1:], "v") == "" {
			for range len(a) - 1 {
				out = append(out, "-v")
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// parseArgs parses the command line; --help prints to stdout and returns
// errHelpShown.
func parseArgs(args []string, stdout, stderr io.Writer) (*invocation, error) {
	inv := &invocation{}
	fs := newFlagSet("tonearm", inv)
	if err := fs.Parse(expandShortFlags(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, overview())
			return nil, errHelpShown
		}
		return nil, err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		inv.command = "run"
		return inv, nil
	}
	cmd, rest, err := findCommand(rest)
	if err != nil {
		return nil, err
	}
	inv.command = cmd.name
	cfs := newFlagSet(cmd.name, inv)
	if cmd.force {
		cfs.BoolVar(&inv.force, "force", false, "")
	}
	if cmd.scope {
		cfs.StringVar(&inv.scopes, "scope", "", "")
	}
	if cmd.key {
		cfs.StringVar(&inv.keyFile, "key", "", "")
	}
	if cmd.allowUnsigned {
		cfs.BoolVar(&inv.allowUnsigned, "allow-unsigned", false, "")
	}
	// flag stops at the first positional argument, so parse in rounds to
	// allow options after NAME too.
	for {
		if err := cfs.Parse(expandShortFlags(rest)); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, commandHelp(cmd))
				return nil, errHelpShown
			}
			return nil, fmt.Errorf("%s: %w", cmd.name, err)
		}
		rest = cfs.Args()
		if len(rest) == 0 {
			break
		}
		inv.args = append(inv.args, rest[0])
		rest = rest[1:]
	}
	if len(inv.args) != cmd.nargs {
		return nil, fmt.Errorf("%s takes %d argument(s), got %d; usage: %s",
			cmd.name, cmd.nargs, len(inv.args), cmd.usage)
	}
	return inv, nil
}

// findCommand matches the leading words of rest against the commands.
func findCommand(rest []string) (command, []string, error) {
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if c.name == "run" || len(rest) < len(words) {
			continue
		}
		if strings.Join(rest[:len(words)], " ") == c.name {
			return c, rest[len(words):], nil
		}
	}
	switch rest[0] {
	case "local":
		return command{}, nil, errors.New("local needs a subcommand: scan or clear")
	case "secret":
		return command{}, nil, errors.New("secret needs a subcommand: set, list, rm or hash")
	case "user":
		return command{}, nil, errors.New("user needs a subcommand: add, list, rm or passwd")
	case "token":
		return command{}, nil, errors.New("token needs a subcommand: create, list or revoke")
	case "extension":
		return command{}, nil, errors.New("extension needs a subcommand: keygen, pack, sign, install, list or remove")
	}
	return command{}, nil, fmt.Errorf("unknown command %q", strings.Join(rest, " "))
}

func commandHelp(c command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n%s\n\n", c.usage, wrap(c.help, 76))
	if c.force {
		b.WriteString("  --force                  reads every file again, even when its size and\n" +
			"                           modification time are unchanged\n")
	}
	if c.scope {
		b.WriteString("  --scope S,S...           the scopes granted, comma-separated\n")
	}
	if c.key {
		b.WriteString("  --key KEYFILE            the private signing key, as extension keygen wrote it\n")
	}
	if c.allowUnsigned {
		b.WriteString("  --allow-unsigned         installs a package that has no signature file,\n" +
			"                           marked UNSIGNED\n")
	}
	b.WriteString(globalHelp)
	return b.String()
}

// wrap breaks text into lines of at most width columns.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(text) {
		if col > 0 && col+1+len(w) > width {
			b.WriteString("\n")
			col = 0
		} else if col > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}
