package config

// defaultConfig is the first layer, parsed like any file. Paths are
// expanded as in files, so the XDG folders of the running user apply.
const defaultConfig = `
[core]
cache_dir = $XDG_CACHE_DIR/tonearm
config_dir = $XDG_CONFIG_DIR/tonearm
data_dir = $XDG_DATA_DIR/tonearm
max_tracklist_length = 10000
restore_state = false
allow_root = false

[logging]
verbosity = 0
format = text
color = false
config_file =

[audio]
output = auto
mixer = software
mixer_volume =
buffer_time =
replaygain = off
max_stream_listeners_per_address = 4

[local]
enabled = true
media_dir = $XDG_MUSIC_DIR
excluded_file_extensions =
  .cue
  .directory
  .html
  .jpeg
  .jpg
  .log
  .nfo
  .pdf
  .png
  .txt
  .zip
max_search_results = 100
scan_timeout = 1000
scan_follow_symlinks = false
workers = 0

[file]
enabled = true
media_dirs =
  $XDG_MUSIC_DIR|Music
excluded_file_extensions =
  .directory
  .html
  .jpeg
  .jpg
  .log
  .nfo
  .pdf
  .png
  .txt
  .zip
show_dotfiles = false
follow_symlinks = false
metadata_timeout = 1000

[m3u]
enabled = true
playlists_dir =
base_dir =
default_encoding = latin-1
default_extension = .m3u8

[mpd]
enabled = true
hostname = 127.0.0.1
port = 6600
socket =
password =
passwords =
default_permissions =
local_permissions = read, add, player, control, admin
allow_unauthenticated = false
max_connections = 20
connection_timeout = 60
max_connections_per_address = 10
login_timeout = 15
max_line_length = 65536
max_command_list_size = 2097152
max_output_buffer_size = 8388608
tls_port =
zeroconf =
command_blacklist =
default_playlist_scheme = m3u

[http]
enabled = true
hostname = 127.0.0.1
port = 6680
zeroconf =
allowed_origins =
allowed_hosts =
csrf_protection = true
default_app = tonearm
allow_unauthenticated = false
tls_cert =
tls_key =
acme_domain =
tls = false
session_max_age = 2592000
max_websockets_per_principal = 32
max_connections_per_address = 64
write_timeout = 30

[stream]
enabled = true
protocols = http, https
timeout = 5000
metadata_blacklist =
allowed_networks =
max_playlist_depth = 5
max_playlist_size = 1048576

[proxy]
scheme =
hostname =
port =
username =
password =

[extensions]
trusted_keys =
allowed_scopes =
disabled =
allow_weak_landlock = false
`

// ignoredKeys lists, per section, keys that Mopidy 3.4 or its bundled
// extensions (Mopidy-MPD 3.3, Mopidy-Local 3.2) define and Tonearm accepts
// without using. Each one set in a file gives a warning.
func ignoredKeys() map[string][]string {
	return map[string][]string{
		"audio": {"mixer_track", "visualizer"},
		"local": {"library", "scan_flush_threshold", "included_file_extensions",
			"directories", "timeout", "use_artist_sortname", "album_art_files",
			"album_art_min_dimensions", "data_dir", "playlists_dir", "tag_cache_file"},
		"http":    {"static_dir"},
		"logging": {"console_format", "debug_format", "debug_file", "debug_thread"},
	}
}

// ignoredSections are Mopidy core sections that Tonearm has no use for; a
// file may contain them, which gives one warning each.
func ignoredSections() map[string]string {
	return map[string]string{
		"logcolors":     "log lines are never colored",
		"softwaremixer": "the software mixer is built in; choose it with [audio] mixer = software",
	}
}
