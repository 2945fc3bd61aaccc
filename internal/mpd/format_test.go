package mpd_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// TestAudioFormatScannedLibrary scans files made by real encoders into
// the SQLite library and checks the audio formats MPD clients see: the
// Format line of each song, AudioFormat filters and the audio field of
// status. The expected formats are those MPD 0.23.12 shows for the same
// files.
func TestAudioFormatScannedLibrary(t *testing.T) {
	ctx := context.Background()
	music := t.TempDir()
	if err := fixtures.Generate(ctx, music, mpdtest.SmallLibrary()); err != nil {
		t.Fatal(err)
	}
	lib, err := local.Open(ctx, local.Config{MediaDir: music, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	if _, err := lib.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	player := audiotest.New(audiotest.Options{Manual: true, TrackLength: func(string) time.Duration { return time.Minute }})
	t.Cleanup(func() { player.Close() })
	b := backend.Backend{Name: local.Scheme, Schemes: []string{local.Scheme}, Library: lib, Playback: lib}
	engine, err := core.New(core.Options{Backends: []backend.Backend{b}, Player: player})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	adapter := mpd.NewCoreAdapter(engine, mpd.CoreOptions{})
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go adapter.Run(runCtx)
	c := startLocalFrontend(t, adapter)

	reply := c.cmd(`lsinfo "A/X"`)
	want := []string{"A/X/01 One.mp3", "Format: 44100:24:2", "A/X/02 Two.flac", "Format: 44100:16:2"}
	var got []string
	for i, l := range reply {
		if v, ok := strings.CutPrefix(l, "file: "); ok {
			got = append(got, v)
			// MPD 0.23 writes Format right after Last-Modified.
			if i+2 < len(reply) {
				got = append(got, reply[i+2])
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("lsinfo A/X files and the line after Last-Modified = %q, want %q", got, want)
	}

	for _, tc := range []struct {
		filter string
		want   []string
	}{
		// As MPD 0.23.12 walks its database: the root's songs first.
		{`(AudioFormat == '44100:16:2')`, []string{"loose.wav", "A/X/02 Two.flac"}},
		{`(AudioFormat =~ '*:f:*')`, []string{"B/Y/01 Three.ogg"}},
		{`(AudioFormat =~ '44100:*:2')`, []string{"loose.wav", "A/X/01 One.mp3", "A/X/02 Two.flac", "B/Y/01 Three.ogg"}},
		{`(!(AudioFormat =~ '*:16:*'))`, []string{"A/X/01 One.mp3", "B/Y/01 Three.ogg"}},
		{`(AudioFormat == '48000:16:2')`, nil},
	} {
		if files := prefixed(c.cmd(`find "`+tc.filter+`"`), "file"); !slices.Equal(files, tc.want) {
			t.Errorf("find %s = %q, want %q", tc.filter, files, tc.want)
		}
	}

	if r := c.cmd(`add "A/X/01 One.mp3"`); r[len(r)-1] != "OK" {
		t.Fatalf("add: %q", r)
	}
	if r := c.cmd("play 0"); r[len(r)-1] != "OK" {
		t.Fatalf("play: %q", r)
	}
	if audio := prefixed(c.cmd("status"), "audio"); !slices.Equal(audio, []string{"44100:24:2"}) {
		t.Errorf("status audio = %q, want 44100:24:2", audio)
	}
	if formats := prefixed(c.cmd("playlistinfo"), "Format"); !slices.Equal(formats, []string{"44100:24:2"}) {
		t.Errorf("playlistinfo Format = %q, want 44100:24:2", formats)
	}
}
