// Package config loads Tonearm's configuration: an INI file with Mopidy
// 3.4's sections and key names, layered over built-in defaults and under
// command-line overrides, typed and validated, with secrets kept apart.
//
// A field's `ini` tag names its key. The `type` tag picks the value type
// where the Go type alone does not (path, hostname, port, choice). The
// `min` and `max` tags bound integers, `unit` gives a duration's unit (ms
// or s), `choices` lists the allowed strings separated by "|", and
// `optional` lets an empty value mean the zero value.
package config

import (
	"log/slog"
	"time"
)

// Config is the effective configuration. Load returns it with every value
// checked, every path absolute and every secret resolved.
type Config struct {
	Core    Core    `ini:"core"`
	Logging Logging `ini:"logging"`
	// LogLevels is the [loglevels] section: a level per component name, as
	// given to logger.With("component", name).
	LogLevels map[string]slog.Level `ini:"-"`
	Audio     Audio                 `ini:"audio"`
	Local     Local                 `ini:"local"`
	File      File                  `ini:"file"`
	M3U       M3U                   `ini:"m3u"`
	MPD       MPD                   `ini:"mpd"`
	HTTP      HTTP                  `ini:"http"`
	Stream    Stream                `ini:"stream"`
	Proxy     Proxy                 `ini:"proxy"`

	Extensions Extensions `ini:"extensions"`
	// ExtensionSettings contains the section of each installed extension,
	// [<name>], by extension name. The server passes each extension its
	// own section and nothing else.
	ExtensionSettings map[string]map[string]Secret `ini:"-"`

	// Files lists the configuration files read, in the order applied.
	Files []string `ini:"-"`
	// Warnings lists what was accepted but ignored: sections of Mopidy
	// extensions Tonearm lacks, Mopidy keys Tonearm does not use, and
	// insecure but allowed settings.
	Warnings []string `ini:"-"`
}

// Core is the [core] section.
type Core struct {
	CacheDir  string `ini:"cache_dir" type:"path"`
	ConfigDir string `ini:"config_dir" type:"path"`
	DataDir   string `ini:"data_dir" type:"path"`
	// MaxTracklistLength caps the tracklist; Mopidy 3.4's default is 10000.
	MaxTracklistLength int `ini:"max_tracklist_length" min:"1" max:"1000000"`
	// RestoreState saves the tracklist and playback state at stop and
	// restores it at start.
	RestoreState bool `ini:"restore_state"`
	// AllowRoot lets the server run as root.
	AllowRoot bool `ini:"allow_root"`
}

// Logging is the [logging] section.
type Logging struct {
	// Verbosity runs from -1 (warnings) through 0 (info), 1 and 2 (debug)
	// and 3 (trace) to 4 (everything), as Mopidy 3.4's does.
	Verbosity int `ini:"verbosity" min:"-1" max:"4"`
	// Format is "text" or "json". A Python logging format string from a
	// Mopidy file is accepted with a warning and gives "text".
	Format string `ini:"format"`
	// Color is accepted for Mopidy files; log lines are never colored.
	Color bool `ini:"color"`
	// ConfigFile is Mopidy's Python logging config file; it is ignored.
	ConfigFile string `ini:"config_file" type:"path"`
}

// Audio is the [audio] section.
type Audio struct {
	// Output is a comma-separated list of output names; the audio package
	// checks the names. "auto" picks PulseAudio when a server responds,
	// else the HTTP stream.
	Output string `ini:"output"`
	Mixer  string `ini:"mixer" type:"choice" choices:"software|none"`
	// MixerVolume is the volume at start, 0..100, or nil to keep the last.
	MixerVolume *int `ini:"mixer_volume" min:"0" max:"100" optional:"true"`
	// BufferTime is the output buffer length; 0 means the output's default.
	BufferTime time.Duration `ini:"buffer_time" unit:"ms" min:"1" max:"60000" optional:"true"`
	ReplayGain string        `ini:"replaygain" type:"choice" choices:"track|album|off"`
	// MaxStreamListenersPerAddress bounds the HTTP stream listeners from
	// one IP address or IPv6 /64; 0 means no bound.
	MaxStreamListenersPerAddress int `ini:"max_stream_listeners_per_address" min:"0" max:"1000"`
}

// Local is the [local] section: the library database and its scanner.
type Local struct {
	Enabled                bool     `ini:"enabled"`
	MediaDir               string   `ini:"media_dir" type:"path"`
	ExcludedFileExtensions []string `ini:"excluded_file_extensions"`
	MaxSearchResults       int      `ini:"max_search_results" min:"1" max:"100000"`
	// ScanTimeout bounds the tag reading of one file.
	ScanTimeout        time.Duration `ini:"scan_timeout" unit:"ms" min:"1" max:"3600000"`
	ScanFollowSymlinks bool          `ini:"scan_follow_symlinks"`
	// Workers is the number of files scanned at once; 0 means one per CPU.
	Workers int `ini:"workers" min:"0" max:"64"`
}

// MediaDir is one entry of [file] media_dirs, written "path|name".
type MediaDir struct {
	Path string
	Name string
}

// File is the [file] section: browsing the music folders by path.
type File struct {
	Enabled                bool          `ini:"enabled"`
	MediaDirs              []MediaDir    `ini:"media_dirs"`
	ExcludedFileExtensions []string      `ini:"excluded_file_extensions"`
	ShowDotfiles           bool          `ini:"show_dotfiles"`
	FollowSymlinks         bool          `ini:"follow_symlinks"`
	MetadataTimeout        time.Duration `ini:"metadata_timeout" unit:"ms" min:"1" max:"3600000"`
}

// M3U is the [m3u] section: stored playlists.
type M3U struct {
	Enabled bool `ini:"enabled"`
	// PlaylistsDir defaults to DATA_DIR/m3u.
	PlaylistsDir string `ini:"playlists_dir" type:"path"`
	// BaseDir resolves relative paths inside playlists; it defaults to
	// PlaylistsDir.
	BaseDir          string `ini:"base_dir" type:"path"`
	DefaultEncoding  string `ini:"default_encoding"`
	DefaultExtension string `ini:"default_extension" type:"choice" choices:".m3u|.m3u8"`
}

// MPD permission names, as MPD 0.23 names them.
const (
	PermRead    = "read"
	PermAdd     = "add"
	PermPlayer  = "player"
	PermControl = "control"
	PermAdmin   = "admin"
)

// MPDPassword is one entry of [mpd] passwords, written
// "HASH_OR_REF@perm,perm".
type MPDPassword struct {
	// Secret is an argon2id PHC string ("$argon2id$v=19$...") or, when it
	// came from an env: or secret: reference, whatever that holds: a PHC
	// string or a plain password. passhash.Check compares both.
	Secret Secret
	// Permissions are the MPD permissions the password grants; "control"
	// implies "player", as in MPD 0.23.
	Permissions []string
}

// MPD is the [mpd] section: the MPD protocol frontend.
type MPD struct {
	Enabled bool `ini:"enabled"`
	// Hostname is the address to listen on, or "unix:PATH" for a Unix
	// socket in place of TCP, as Mopidy-MPD 3.3 allows.
	Hostname string `ini:"hostname" type:"hostname"`
	Port     int    `ini:"port" type:"port"`
	// Socket is a Unix socket path served beside the TCP listener, with
	// LocalPermissions; empty means none.
	Socket string `ini:"socket" type:"path"`
	// Password is Mopidy-MPD's single plain password; Credentials lists it
	// with Passwords.
	Password  Secret        `ini:"password"`
	Passwords []MPDPassword `ini:"passwords"`
	// DefaultPermissions apply before a password is given. When the key is
	// empty they are all permissions without any password configured, and
	// none with one, as in MPD 0.23.
	DefaultPermissions []string `ini:"default_permissions"`
	// LocalPermissions apply to clients of the Unix socket.
	LocalPermissions []string `ini:"local_permissions"`
	// AllowUnauthenticated permits a listener beyond loopback without any
	// password.
	AllowUnauthenticated bool          `ini:"allow_unauthenticated"`
	MaxConnections       int           `ini:"max_connections" min:"1" max:"10000"`
	ConnectionTimeout    time.Duration `ini:"connection_timeout" unit:"s" min:"1" max:"86400"`
	// MaxConnectionsPerAddress bounds the TCP connections from one IP
	// address or IPv6 /64; 0 means no bound.
	MaxConnectionsPerAddress int `ini:"max_connections_per_address" min:"0" max:"10000"`
	// LoginTimeout closes a client that has no read permission and has sent
	// no right password this long after it connected.
	LoginTimeout time.Duration `ini:"login_timeout" unit:"s" min:"1" max:"3600"`
	// MaxLineLength bounds one request line, in bytes.
	MaxLineLength int `ini:"max_line_length" min:"64" max:"1048576"`
	// MaxCommandListSize bounds a command list, in bytes.
	MaxCommandListSize int `ini:"max_command_list_size" min:"1024" max:"268435456"`
	// MaxOutputBufferSize bounds the reply queued for one client, in bytes.
	MaxOutputBufferSize int `ini:"max_output_buffer_size" min:"4096" max:"1073741824"`
	// TLSPort is a second listener on Hostname that speaks TLS; 0 means
	// none.
	TLSPort               int      `ini:"tls_port" type:"port" optional:"true"`
	Zeroconf              string   `ini:"zeroconf"`
	CommandBlacklist      []string `ini:"command_blacklist"`
	DefaultPlaylistScheme string   `ini:"default_playlist_scheme"`
}

// HTTP is the [http] section: JSON-RPC, WebSocket and the web interface.
type HTTP struct {
	Enabled  bool   `ini:"enabled"`
	Hostname string `ini:"hostname" type:"hostname"`
	Port     int    `ini:"port" type:"port"`
	Zeroconf string `ini:"zeroconf"`
	// AllowedOrigins are extra origins, as "host[:port]" or a full origin,
	// lower-cased.
	AllowedOrigins []string `ini:"allowed_origins"`
	// AllowedHosts are Host header values accepted besides the listener's
	// own address, against DNS rebinding.
	AllowedHosts   []string `ini:"allowed_hosts"`
	CSRFProtection bool     `ini:"csrf_protection"`
	DefaultApp     string   `ini:"default_app"`
	// AllowUnauthenticated lets requests in without a login or token.
	AllowUnauthenticated bool   `ini:"allow_unauthenticated"`
	TLSCert              string `ini:"tls_cert" type:"path"`
	TLSKey               string `ini:"tls_key" type:"path"`
	ACMEDomain           string `ini:"acme_domain"`
	// TLS serves HTTPS with a self-signed certificate made on first start
	// and kept in the data folder. It matters only when neither tls_cert nor
	// acme_domain is set, because either of those turns HTTPS on by itself.
	TLS bool `ini:"tls"`
	// SessionMaxAge bounds the life of a login session.
	SessionMaxAge time.Duration `ini:"session_max_age" unit:"s" min:"60" max:"31536000"`
	// MaxWebSocketsPerPrincipal bounds the open WebSockets of one account
	// or API token, or of one address for callers without a login; 0 means
	// no bound.
	MaxWebSocketsPerPrincipal int `ini:"max_websockets_per_principal" min:"0" max:"10000"`
	// MaxConnectionsPerAddress bounds the open HTTP connections, WebSockets
	// and streams included, from one IP address or IPv6 /64; 0 means no
	// bound.
	MaxConnectionsPerAddress int `ini:"max_connections_per_address" min:"0" max:"10000"`
	// WriteTimeout bounds writing one response. The audio stream and
	// WebSockets are not bound by it.
	WriteTimeout time.Duration `ini:"write_timeout" unit:"s" min:"1" max:"3600"`
}

// Stream is the [stream] section: internet radio.
type Stream struct {
	Enabled   bool     `ini:"enabled"`
	Protocols []string `ini:"protocols"`
	// Timeout bounds resolving one stream URI, playlists included.
	Timeout           time.Duration `ini:"timeout" unit:"ms" min:"1000" max:"3600000"`
	MetadataBlacklist []string      `ini:"metadata_blacklist"`
	// AllowedNetworks are CIDR prefixes that stream fetches may reach
	// although they are loopback, private or link-local.
	AllowedNetworks []string `ini:"allowed_networks"`
	// MaxPlaylistDepth bounds playlists that point at playlists.
	MaxPlaylistDepth int `ini:"max_playlist_depth" min:"0" max:"20"`
	// MaxPlaylistSize bounds a downloaded playlist, in bytes.
	MaxPlaylistSize int `ini:"max_playlist_size" min:"1024" max:"67108864"`
}

// Proxy is the [proxy] section, for outgoing HTTP.
type Proxy struct {
	Scheme   string `ini:"scheme" type:"choice" choices:"|http|https|socks4|socks5"`
	Hostname string `ini:"hostname"`
	Port     int    `ini:"port" type:"port" optional:"true"`
	Username string `ini:"username"`
	Password Secret `ini:"password"`
}
