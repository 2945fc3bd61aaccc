package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/config"
)

const planted = "Planted-Secret-41d7"

type leaky struct{ Token string }

func TestRedactsEverywhere(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(Options{Writer: &buf, Format: format, Verbosity: 4,
				Secrets: []string{planted, "short"}})
			log = log.With("component", "mpd", "early", "with "+planted)
			log.Info("login with "+planted, "password", planted)
			log.Warn("failed", "err", fmt.Errorf("dial proxy://user:%s@host: %w", planted, errors.New("refused")))
			log.Debug("struct", "value", leaky{Token: planted})
			log.WithGroup("g").Error("grouped", slog.Group("inner", "k", "x"+planted+"x"))
			log.Info("bytes", "raw", []byte(planted))
			log.Log(nil, config.LevelTrace, "trace", "s", planted)
			out := buf.String()
			if strings.Contains(out, planted) {
				t.Errorf("log contains the secret:\n%s", out)
			}
			if n := strings.Count(out, config.Mask); n < 7 {
				t.Errorf("mask appears %d times, want at least 7:\n%s", n, out)
			}
		})
	}
}

func TestNoSecretsLeavesRecords(t *testing.T) {
	var buf bytes.Buffer
	New(Options{Writer: &buf}).Info("hello", "n", 3)
	if !strings.Contains(buf.String(), "msg=hello n=3") {
		t.Errorf("output = %q", buf.String())
	}
}

func TestVerbosityLevels(t *testing.T) {
	cases := []struct {
		verbosity int
		want      []string
	}{
		{-1, []string{"warn"}},
		{0, []string{"info", "warn"}},
		{1, []string{"debug", "info", "warn"}},
		{3, []string{"trace", "debug", "info", "warn"}},
		{4, []string{"below-trace", "trace", "debug", "info", "warn"}},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		log := New(Options{Writer: &buf, Verbosity: tc.verbosity})
		log.Log(nil, config.LevelTrace-4, "below-trace")
		log.Log(nil, config.LevelTrace, "trace")
		log.Debug("debug")
		log.Info("info")
		log.Warn("warn")
		for _, msg := range []string{"below-trace", "trace", "debug", "info", "warn"} {
			got := strings.Contains(buf.String(), "msg="+msg+"\n")
			want := false
			for _, w := range tc.want {
				want = want || w == msg
			}
			if got != want {
				t.Errorf("verbosity %d: %q logged = %v, want %v", tc.verbosity, msg, got, want)
			}
		}
	}
}

func TestComponentLevels(t *testing.T) {
	var buf bytes.Buffer
	log := New(Options{Writer: &buf, Verbosity: 0, Levels: map[string]slog.Level{
		"mpd":       slog.LevelDebug,
		"mpd.noisy": slog.LevelError,
		"http":      slog.LevelWarn,
	}})
	log.With("component", "mpd").Debug("mpd-debug")
	log.With("component", "mpd.session").Debug("session-debug")
	log.With("component", "mpd.noisy").Warn("noisy-warn")
	log.With("component", "http").Info("http-info")
	log.With("component", "core").Info("core-info")
	log.With("component", "core").Debug("core-debug")
	out := buf.String()
	for msg, want := range map[string]bool{
		"mpd-debug": true, "session-debug": true, "noisy-warn": false,
		"http-info": false, "core-info": true, "core-debug": false,
	} {
		if got := strings.Contains(out, "msg="+msg); got != want {
			t.Errorf("%s logged = %v, want %v\n%s", msg, got, want, out)
		}
	}
}

func TestJSONAndLevelNames(t *testing.T) {
	var buf bytes.Buffer
	log := New(Options{Writer: &buf, Format: "json", Verbosity: 3})
	log.Log(nil, config.LevelTrace, "t")
	log.Log(nil, config.LevelCritical, "c")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %s", len(lines), buf.String())
	}
	for i, want := range []string{"TRACE", "CRITICAL"} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if rec["level"] != want {
			t.Errorf("level = %v, want %s", rec["level"], want)
		}
	}
}

func BenchmarkRedactedRecord(b *testing.B) {
	log := New(Options{Writer: &bytes.Buffer{}, Secrets: []string{planted, "another-secret"}})
	log = log.With("component", "mpd")
	for b.Loop() {
		log.Info("client connected", "addr", "127.0.0.1:5000", "id", 42)
	}
}
