package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/passhash"
)

// testOptions isolates Load from the real home folder and environment.
func testOptions(t *testing.T, env map[string]string) Options {
	t.Helper()
	home := t.TempDir()
	return Options{
		Files:   []string{},
		HomeDir: home,
		LookupEnv: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
	}
}

// writeConf writes a config file with the given mode and returns its path.
func writeConf(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tonearm.conf")
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultsWithoutFile(t *testing.T) {
	opts := testOptions(t, nil)
	cfg, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	home := opts.HomeDir
	checks := []struct{ name, got, want string }{
		{"data_dir", cfg.Core.DataDir, filepath.Join(home, ".local/share/tonearm")},
		{"cache_dir", cfg.Core.CacheDir, filepath.Join(home, ".cache/tonearm")},
		{"config_dir", cfg.Core.ConfigDir, filepath.Join(home, ".config/tonearm")},
		{"media_dir", cfg.Local.MediaDir, filepath.Join(home, "Music")},
		{"mpd hostname", cfg.MPD.Hostname, "127.0.0.1"},
		{"http hostname", cfg.HTTP.Hostname, "127.0.0.1"},
		{"output", cfg.Audio.Output, "auto"},
		{"playlists_dir", cfg.M3U.PlaylistsDir, filepath.Join(home, ".local/share/tonearm/m3u")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.MPD.Port != 6600 || cfg.HTTP.Port != 6680 {
		t.Errorf("ports = %d, %d, want 6600, 6680", cfg.MPD.Port, cfg.HTTP.Port)
	}
	if cfg.Core.MaxTracklistLength != 10000 {
		t.Errorf("max_tracklist_length = %d", cfg.Core.MaxTracklistLength)
	}
	if cfg.Core.RestoreState || cfg.Core.AllowRoot {
		t.Error("restore_state and allow_root must default to false")
	}
	if cfg.MPD.MaxConnections != 20 || cfg.MPD.ConnectionTimeout != 60*time.Second {
		t.Errorf("mpd limits = %d, %v", cfg.MPD.MaxConnections, cfg.MPD.ConnectionTimeout)
	}
	if cfg.MPD.MaxConnectionsPerAddress != 10 {
		t.Errorf("max_connections_per_address = %d, want 10", cfg.MPD.MaxConnectionsPerAddress)
	}
	if cfg.MPD.LoginTimeout != 15*time.Second {
		t.Errorf("login_timeout = %v, want 15s", cfg.MPD.LoginTimeout)
	}
	if cfg.HTTP.MaxWebSocketsPerPrincipal != 32 {
		t.Errorf("max_websockets_per_principal = %d, want 32", cfg.HTTP.MaxWebSocketsPerPrincipal)
	}
	if cfg.Audio.MaxStreamListenersPerAddress != 4 {
		t.Errorf("max_stream_listeners_per_address = %d, want 4", cfg.Audio.MaxStreamListenersPerAddress)
	}
	if cfg.HTTP.MaxConnectionsPerAddress != 64 {
		t.Errorf("[http] max_connections_per_address = %d, want 64", cfg.HTTP.MaxConnectionsPerAddress)
	}
	if cfg.HTTP.WriteTimeout != 30*time.Second {
		t.Errorf("[http] write_timeout = %v, want 30s", cfg.HTTP.WriteTimeout)
	}
	if cfg.MPD.MaxCommandListSize != 2<<20 || cfg.MPD.MaxOutputBufferSize != 8<<20 {
		t.Errorf("mpd buffers = %d, %d", cfg.MPD.MaxCommandListSize, cfg.MPD.MaxOutputBufferSize)
	}
	if !slices.Equal(cfg.MPD.DefaultPermissions, allPermissions()) {
		t.Errorf("default_permissions without passwords = %v, want all", cfg.MPD.DefaultPermissions)
	}
	if cfg.MPD.AllowUnauthenticated || cfg.HTTP.AllowUnauthenticated {
		t.Error("allow_unauthenticated must default to false")
	}
	if len(cfg.Local.ExcludedFileExtensions) != 11 {
		t.Errorf("local excluded_file_extensions = %v", cfg.Local.ExcludedFileExtensions)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings on defaults: %v", cfg.Warnings)
	}
}

func TestXDGEnvironment(t *testing.T) {
	env := map[string]string{
		"XDG_DATA_HOME":   "/srv/data",
		"XDG_CACHE_HOME":  "/srv/cache",
		"XDG_CONFIG_HOME": "relative/ignored",
	}
	opts := testOptions(t, env)
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Core.DataDir != "/srv/data/tonearm" {
		t.Errorf("data_dir = %q", cfg.Core.DataDir)
	}
	if cfg.Core.CacheDir != "/srv/cache/tonearm" {
		t.Errorf("cache_dir = %q", cfg.Core.CacheDir)
	}
	if want := filepath.Join(opts.HomeDir, ".config/tonearm"); cfg.Core.ConfigDir != want {
		t.Errorf("config_dir = %q, want %q (a relative XDG_CONFIG_HOME is ignored)", cfg.Core.ConfigDir, want)
	}
}

func TestMusicDirFromUserDirs(t *testing.T) {
	opts := testOptions(t, nil)
	dir := filepath.Join(opts.HomeDir, ".config")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	body := "# written by xdg-user-dirs-update\nXDG_MUSIC_DIR=\"$HOME/Audio\"\n"
	if err := os.WriteFile(filepath.Join(dir, "user-dirs.dirs"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(opts.HomeDir, "Audio"); cfg.Local.MediaDir != want {
		t.Errorf("media_dir = %q, want %q", cfg.Local.MediaDir, want)
	}

	opts.LookupEnv = func(name string) (string, bool) {
		if name == "XDG_MUSIC_DIR" {
			return "/mnt/music", true
		}
		return "", false
	}
	cfg, err = Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Local.MediaDir != "/mnt/music" {
		t.Errorf("media_dir with $XDG_MUSIC_DIR set = %q", cfg.Local.MediaDir)
	}
}

func TestValueTypes(t *testing.T) {
	cases := []struct {
		name     string
		override string
		check    func(*Config) bool
	}{
		{"bool yes", "core/restore_state=yes", func(c *Config) bool { return c.Core.RestoreState }},
		{"bool ON", "core/restore_state=ON", func(c *Config) bool { return c.Core.RestoreState }},
		{"bool 1", "core/restore_state=1", func(c *Config) bool { return c.Core.RestoreState }},
		{"bool off", "http/csrf_protection=off", func(c *Config) bool { return !c.HTTP.CSRFProtection }},
		{"bool 0", "http/csrf_protection=0", func(c *Config) bool { return !c.HTTP.CSRFProtection }},
		{"integer", "core/max_tracklist_length=5", func(c *Config) bool { return c.Core.MaxTracklistLength == 5 }},
		{"negative integer", "logging/verbosity=-1", func(c *Config) bool { return c.Logging.Verbosity == -1 }},
		{"port zero", "mpd/port=0", func(c *Config) bool { return c.MPD.Port == 0 }},
		{"port max", "mpd/port=65535", func(c *Config) bool { return c.MPD.Port == 65535 }},
		{"optional port empty", "mpd/tls_port=", func(c *Config) bool { return c.MPD.TLSPort == 0 }},
		{"optional int", "audio/mixer_volume=42", func(c *Config) bool {
			return c.Audio.MixerVolume != nil && *c.Audio.MixerVolume == 42
		}},
		{"optional int empty", "audio/mixer_volume=", func(c *Config) bool { return c.Audio.MixerVolume == nil }},
		{"milliseconds", "stream/timeout=2500", func(c *Config) bool { return c.Stream.Timeout == 2500*time.Millisecond }},
		{"seconds", "mpd/connection_timeout=5", func(c *Config) bool { return c.MPD.ConnectionTimeout == 5*time.Second }},
		{"limit off", "mpd/max_connections_per_address=0", func(c *Config) bool { return c.MPD.MaxConnectionsPerAddress == 0 }},
		{"list commas", "http/allowed_hosts=a.example, B.example ,", func(c *Config) bool {
			return slices.Equal(c.HTTP.AllowedHosts, []string{"a.example", "b.example"})
		}},
		{"list newlines", "stream/protocols=\n http\n  https\n", func(c *Config) bool {
			return slices.Equal(c.Stream.Protocols, []string{"http", "https"})
		}},
		{"path tilde", "local/media_dir=~/Tunes", func(c *Config) bool { return strings.HasSuffix(c.Local.MediaDir, "/Tunes") }},
		{"path xdg", "m3u/playlists_dir=$XDG_DATA_DIR/pl", func(c *Config) bool {
			return strings.HasSuffix(c.M3U.PlaylistsDir, "/.local/share/pl")
		}},
		{"hostname ipv6", "mpd/hostname=::1", func(c *Config) bool { return c.MPD.Hostname == "::1" }},
		{"hostname name", "http/hostname=localhost", func(c *Config) bool { return c.HTTP.Hostname == "localhost" }},
		{"hostname unix", "mpd/hostname=unix:/run/tonearm/mpd.sock", func(c *Config) bool {
			return c.MPD.Hostname == "unix:/run/tonearm/mpd.sock"
		}},
		{"choice", "audio/replaygain=album", func(c *Config) bool { return c.Audio.ReplayGain == "album" }},
		{"control implies player", "mpd/local_permissions=read,control", func(c *Config) bool {
			return slices.Equal(c.MPD.LocalPermissions, []string{"read", "control", "player"})
		}},
		{"cidr", "stream/allowed_networks=192.168.1.0/24, fd00::/8", func(c *Config) bool {
			return len(c.Stream.AllowedNetworks) == 2
		}},
		{"media dir with name", "file/media_dirs=/srv/music|Shared", func(c *Config) bool {
			return len(c.File.MediaDirs) == 1 && c.File.MediaDirs[0] == MediaDir{"/srv/music", "Shared"}
		}},
		{"media dir without name", "file/media_dirs=/srv/music", func(c *Config) bool {
			return len(c.File.MediaDirs) == 1 && c.File.MediaDirs[0].Name == "music"
		}},
		{"key case", "core/Restore_State=true", func(c *Config) bool { return c.Core.RestoreState }},
		{"loglevel", "loglevels/mpd=debug", func(c *Config) bool { return c.LogLevels["mpd"] == slog.LevelDebug }},
		{"loglevel trace", "loglevels/core=trace", func(c *Config) bool { return c.LogLevels["core"] == LevelTrace }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t, nil)
			opts.Overrides = []string{tc.override}
			cfg, err := Load(opts)
			if err != nil {
				t.Fatalf("Load(-o %q): %v", tc.override, err)
			}
			if !tc.check(cfg) {
				t.Errorf("-o %q did not give the expected value", tc.override)
			}
		})
	}
}

func TestValueErrors(t *testing.T) {
	cases := []struct {
		override string
		want     string
	}{
		{"mpd/port=66000", `-o: [mpd] port = "66000": invalid port, must be 0..65535`},
		{"mpd/port=http", `-o: [mpd] port = "http": invalid port, must be 0..65535`},
		{"core/restore_state=maybe", `-o: [core] restore_state = "maybe": invalid boolean, must be true or false (also yes/no, on/off, 1/0)`},
		{"core/max_tracklist_length=0", `-o: [core] max_tracklist_length = "0": out of range, must be 1..1000000`},
		{"logging/verbosity=5", `-o: [logging] verbosity = "5": out of range, must be -1..4`},
		{"stream/timeout=10", `-o: [stream] timeout = "10": out of range, must be 1000..3600000 (milliseconds)`},
		{"audio/mixer=alsamixer", `-o: [audio] mixer = "alsamixer": invalid value, must be one of: software, none`},
		{"audio/replaygain=loud", `-o: [audio] replaygain = "loud": invalid value, must be one of: track, album, off`},
		{"mpd/hostname=bad host!", `-o: [mpd] hostname = "bad host!": invalid hostname`},
		{"mpd/hostname=unix:relative.sock", `invalid Unix socket, must be unix:/absolute/path`},
		{"loglevels/mpd=loud", `-o: [loglevels] mpd = "loud": invalid log level`},
		{"mpd/default_permissions=read,root", `invalid permission "root"`},
		{"stream/allowed_networks=10.0.0.0", `invalid network "10.0.0.0", must be a CIDR prefix`},
		{"mpd/colour=blue", `-o: [mpd] colour = "blue": unknown key; the keys of [mpd] are: enabled, hostname`},
		{"logging/format=xml", `-o: [logging] format = "xml": invalid value, must be text or json`},
		{"mpdport=1", `invalid override "mpdport", must be section/key=value`},
		{"mpd/passwords=hunter2@read", `[mpd] passwords = "********": invalid password, must be an argon2id hash`},
		{"mpd/passwords=$argon2id$x", `invalid entry, must be HASH_OR_REF@perm,perm`},
		{"mpd/password=env:1BAD", `invalid environment variable name "1BAD"`},
		{"http/tls_cert=/etc/cert.pem", `tls_cert and tls_key must be set together`},
		{"proxy/scheme=ftp", `must be one of: , http, https, socks4, socks5`},
		{"mpd/hostname=0.0.0.0", `-o: [mpd] hostname = "0.0.0.0": listening beyond loopback without a password; set [mpd] passwords, or allow_unauthenticated = true`},
	}
	for _, tc := range cases {
		t.Run(tc.override, func(t *testing.T) {
			opts := testOptions(t, nil)
			opts.Overrides = []string{tc.override}
			_, err := Load(opts)
			if err == nil {
				t.Fatalf("Load(-o %q) succeeded, want an error", tc.override)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error type %T, want Errors", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
}

func TestErrorNamesFile(t *testing.T) {
	path := writeConf(t, "[mpd]\nport = 66000\nmax_connections = 0\n\n[http]\nport = -1\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	_, err := Load(opts)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load = %v, want Errors", err)
	}
	if len(errs) != 3 {
		t.Fatalf("got %d problems, want all 3:\n%v", len(errs), err)
	}
	want := path + `: [mpd] port = "66000": invalid port, must be 0..65535`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant line:\n%s", err, want)
	}
}

func TestMopidyConfigLoads(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Files = []string{"testdata/mopidy.conf"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatalf("Load(mopidy.conf): %v", err)
	}
	wantWarnings := []string{"[spotify] ignored", "[iris] ignored", "[softwaremixer] ignored",
		"[local] library is a Mopidy setting", "[local] directories is a Mopidy setting",
		"[local] scan_flush_threshold", "[local] use_artist_sortname", "[local] album_art_files",
		"[logging] format is a Python logging format"}
	all := strings.Join(cfg.Warnings, "\n")
	for _, w := range wantWarnings {
		if !strings.Contains(all, w) {
			t.Errorf("no warning containing %q in:\n%s", w, all)
		}
	}
	if n := strings.Count(all, "[spotify]"); n != 1 {
		t.Errorf("%d warnings for [spotify], want 1", n)
	}
	if cfg.Logging.Format != "text" {
		t.Errorf("format = %q, want text", cfg.Logging.Format)
	}
	if !cfg.Core.RestoreState {
		t.Error("restore_state = true was not read")
	}
	if !strings.HasSuffix(cfg.Core.DataDir, "/.local/share/mopidy") {
		t.Errorf("data_dir = %q", cfg.Core.DataDir)
	}
	if !slices.Equal(cfg.HTTP.AllowedOrigins, []string{"localhost:8080", "example.com"}) {
		t.Errorf("allowed_origins = %q", cfg.HTTP.AllowedOrigins)
	}
	if len(cfg.Stream.Protocols) != 6 {
		t.Errorf("protocols = %q", cfg.Stream.Protocols)
	}
	if len(cfg.File.MediaDirs) != 2 || cfg.File.MediaDirs[1].Name != "Home" {
		t.Errorf("media_dirs = %+v", cfg.File.MediaDirs)
	}
	if cfg.Audio.Output != "autoaudiosink" {
		t.Errorf("output = %q", cfg.Audio.Output)
	}
	if cfg.LogLevels["mopidy.audio"] != slog.LevelDebug {
		t.Errorf("loglevels = %v", cfg.LogLevels)
	}
	if cfg.HTTP.DefaultApp != "iris" {
		t.Errorf("default_app = %q", cfg.HTTP.DefaultApp)
	}
}

func TestLayering(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.conf", "[mpd]\nport = 7000\nmax_connections = 5\n")
	confd := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confd, 0o700); err != nil {
		t.Fatal(err)
	}
	write("conf.d/20-second.conf", "[mpd]\nport = 7002\n")
	write("conf.d/10-first.conf", "[mpd]\nport = 7001\nmax_connections = 6\n")
	write("conf.d/ignored.txt", "[mpd]\nport = 9999\n")

	opts := testOptions(t, nil)
	opts.Files = []string{a, confd}
	opts.Overrides = []string{"mpd/max_connections=9"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MPD.Port != 7002 {
		t.Errorf("port = %d, want 7002 from the last file", cfg.MPD.Port)
	}
	if cfg.MPD.MaxConnections != 9 {
		t.Errorf("max_connections = %d, want 9 from -o", cfg.MPD.MaxConnections)
	}
	if len(cfg.Files) != 3 {
		t.Errorf("files = %v, want a.conf and the two conf.d files", cfg.Files)
	}
}

func TestMissingConfigFile(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Files = []string{"/nonexistent/tonearm.conf"}
	_, err := Load(opts)
	if err == nil || !strings.Contains(err.Error(), "config file /nonexistent/tonearm.conf") {
		t.Fatalf("Load = %v, want an error naming the file", err)
	}
}

func TestDefaultSearch(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Files = nil
	dir := filepath.Join(opts.HomeDir, ".config", "tonearm")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(dir, "tonearm.conf")
	if err := os.WriteFile(user, []byte("[mpd]\nport = 6601\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cfg.Files, user) {
		t.Errorf("files = %v, want %s", cfg.Files, user)
	}
	if cfg.MPD.Port != 6601 {
		t.Errorf("port = %d, want 6601", cfg.MPD.Port)
	}
}

func TestPythonInterpolationNotApplied(t *testing.T) {
	path := writeConf(t, "[mpd]\nzeroconf = %(name)s on $hostname\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MPD.Zeroconf != "%(name)s on $hostname" {
		t.Errorf("zeroconf = %q, want it unchanged", cfg.MPD.Zeroconf)
	}
}

func TestDerivedMPDPermissions(t *testing.T) {
	opts := testOptions(t, map[string]string{"MPD_PW": "pw"})
	opts.Overrides = []string{"mpd/passwords=env:MPD_PW@read,add"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.MPD.DefaultPermissions) != 0 {
		t.Errorf("default_permissions with a password = %v, want none", cfg.MPD.DefaultPermissions)
	}
	creds := cfg.MPD.Credentials()
	if len(creds) != 1 || creds[0].Secret.Value() != "pw" ||
		!slices.Equal(creds[0].Permissions, []string{"read", "add"}) {
		t.Errorf("credentials = %+v", creds)
	}
}

func TestOpenBindNeedsExplicitSetting(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"mpd/hostname=0.0.0.0", "mpd/allow_unauthenticated=true"}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(cfg.Warnings, "\n"), "listens on 0.0.0.0 without a password") {
		t.Errorf("warnings = %v, want one about the open MPD port", cfg.Warnings)
	}
}

func TestIsLoopback(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true,
		"unix:/run/x.sock": true, "0.0.0.0": false, "::": false, "192.168.1.2": false,
		"music.example": false,
	}
	for host, want := range cases {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPasswordsList(t *testing.T) {
	hash, err := passhash.Hash("kitchen")
	if err != nil {
		t.Fatal(err)
	}
	body := "[mpd]\npasswords =\n  " + hash + "@read,add\n  env:ADMIN_PW@read,add,control,admin\n"
	path := writeConf(t, body, 0o600)
	opts := testOptions(t, map[string]string{"ADMIN_PW": "adm"})
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	creds := cfg.MPD.Credentials()
	if len(creds) != 2 {
		t.Fatalf("credentials = %v", creds)
	}
	if ok, _ := passhash.Check(creds[0].Secret.Value(), "kitchen"); !ok {
		t.Error("hash entry does not check against its password")
	}
	if !slices.Equal(creds[1].Permissions, []string{"read", "add", "control", "player", "admin"}) {
		t.Errorf("permissions = %v", creds[1].Permissions)
	}
	out := cfg.Format()
	if strings.Contains(out, hash) {
		t.Error("Format printed a password hash")
	}
	if !strings.Contains(out, "\n  ********@read,add\n  env:ADMIN_PW@read,add,control,player,admin\n") {
		t.Errorf("Format passwords:\n%s", out)
	}
}

func TestInlineComments(t *testing.T) {
	path := writeConf(t, "; comment line\n# another\n[mpd]\nport = 6601 ; Mopidy style\n"+
		"max_connections = 7 # hash style\nzeroconf = a;b#c\n", 0o600)
	opts := testOptions(t, nil)
	opts.Files = []string{path}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MPD.Port != 6601 || cfg.MPD.MaxConnections != 7 {
		t.Errorf("port %d, max_connections %d", cfg.MPD.Port, cfg.MPD.MaxConnections)
	}
	if cfg.MPD.Zeroconf != "a;b#c" {
		t.Errorf("zeroconf = %q, want the ; and # kept without a space before them", cfg.MPD.Zeroconf)
	}
}

func TestErrorsHideSecretText(t *testing.T) {
	cases := map[string]string{
		"[mpd]\npasword = " + "hunter2-x\n":    `[mpd] pasword = "********": unknown key`,
		"[mpd]\nport = 6600\nhunter2-x\n":      "invalid INI syntax on line 3",
		"[proxy]\napi_token = hunter2-x\n":     `[proxy] api_token = "********"`,
		"[mpd]\nmax_connections = hunter2-x\n": `max_connections = "hunter2-x": invalid integer`,
	}
	for body, want := range cases {
		path := writeConf(t, body, 0o600)
		opts := testOptions(t, nil)
		opts.Files = []string{path}
		_, err := Load(opts)
		if err == nil {
			t.Errorf("%q: Load succeeded, want %q", body, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
		if !strings.Contains(want, "hunter2") && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error shows the value: %v", body, err)
		}
	}

	opts := testOptions(t, nil)
	opts.Overrides = []string{"mpdpassword=hunter2-x"}
	_, err := Load(opts)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("malformed override error = %v, want one without the value", err)
	}
}

func TestSecretOnCommandLineWarns(t *testing.T) {
	opts := testOptions(t, nil)
	opts.Overrides = []string{"mpd/password=" + planted}
	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(cfg.Warnings, "\n")
	if !strings.Contains(all, "visible to other users in the process list") {
		t.Errorf("warnings = %v, want one about the command line", cfg.Warnings)
	}
	if strings.Contains(all, planted) {
		t.Error("warning printed the secret")
	}
}
