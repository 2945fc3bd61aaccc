package mpd

import (
	"context"
	"sort"
)

// hiddenCommands run in the connection loop and are not listed by
// commands or notcommands, as in MPD 0.23.
var hiddenCommands = map[string]bool{
	"noidle": true, "command_list_begin": true, "command_list_ok_begin": true,
	"command_list_end": true,
	// MPD 0.23 lists listneighbors only when a neighbor plugin is
	// configured, and there is none here.
	"listneighbors": true,
}

func (c *conn) listCommands(allowed bool) {
	names := make([]string, 0, len(c.s.cmds))
	for name := range c.s.cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if hiddenCommands[name] {
			continue
		}
		cmd := c.s.cmds[name]
		// As in MPD 0.23, config is listed for TCP clients too, although it
		// runs only over the Unix socket.
		ok := c.perm.Has(cmd.perm)
		if ok == allowed {
			c.w.Pair("command", name)
		}
	}
}

func cmdCommands(_ context.Context, c *conn, _ []string) error {
	c.listCommands(true)
	return nil
}

func cmdNotCommands(_ context.Context, c *conn, _ []string) error {
	c.listCommands(false)
	return nil
}

func cmdURLHandlers(_ context.Context, c *conn, _ []string) error {
	if c.local {
		c.w.Pair("handler", "file://")
	}
	for _, scheme := range streamSchemes {
		c.w.Pair("handler", scheme)
	}
	return nil
}

// decoders lists the formats the audio pipeline decodes: pure Go decoders
// and ffmpeg for the rest.
var decoders = []struct {
	plugin   string
	suffixes []string
	mimes    []string
}{
	{"mp3", []string{"mp3"}, []string{"audio/mpeg"}},
	{"flac", []string{"flac"}, []string{"audio/flac", "audio/x-flac"}},
	{"vorbis", []string{"ogg", "oga"}, []string{"audio/ogg", "audio/vorbis"}},
	{"opus", []string{"opus"}, []string{"audio/ogg", "audio/opus"}},
	{"wave", []string{"wav"}, []string{"audio/wav", "audio/x-wav"}},
	{"ffmpeg", []string{"m4a", "aac", "alac"}, []string{"audio/mp4", "audio/aac"}},
}

func cmdDecoders(_ context.Context, c *conn, _ []string) error {
	for _, d := range decoders {
		c.w.Pair("plugin", d.plugin)
		for _, s := range d.suffixes {
			c.w.Pair("suffix", s)
		}
		for _, m := range d.mimes {
			c.w.Pair("mime_type", m)
		}
	}
	return nil
}

// cmdConfig is only reachable over the Unix socket.
func cmdConfig(_ context.Context, c *conn, _ []string) error {
	if c.s.cfg.MusicDir != "" {
		c.w.Pair("music_directory", c.s.cfg.MusicDir)
	}
	return nil
}
