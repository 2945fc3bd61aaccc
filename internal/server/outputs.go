package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/mpd"
)

// outputStateFile, in <data_dir>/core, names the outputs that MPD clients
// disabled, so they stay off after a restart as MPD 0.23 keeps them off.
const outputStateFile = "outputs.json"

// maxOutputState bounds the output state file read at start.
const maxOutputState = 64 << 10

// outputState is the JSON form of the output state file.
type outputState struct {
	Disabled []string `json:"disabled"`
}

// outputSwitcher lists the player's outputs to MPD clients, with their
// index as MPD's output id, and switches them on and off. Its enabled
// list changes with each call, before the player's own list does, so a
// listing right after a switch shows it.
type outputSwitcher struct {
	outputs []output.Output
	player  *player.Player
	path    string // the state file, or "" when nothing is saved
	log     *slog.Logger

	mu      sync.Mutex
	enabled []bool
}

// newOutputSwitcher returns a switcher over the player's outputs. With
// restore set it disables the outputs that the state file in dataDir
// names, and saves every later switch there.
func newOutputSwitcher(outputs []output.Output, p *player.Player, dataDir string, restore bool, log *slog.Logger) *outputSwitcher {
	s := &outputSwitcher{outputs: outputs, player: p, log: log, enabled: p.OutputsEnabled()}
	if !restore || dataDir == "" {
		return s
	}
	s.path = filepath.Join(dataDir, "core", outputStateFile)
	disabled, err := readOutputState(s.path)
	if err != nil {
		log.Warn("output state ignored", "path", s.path, "err", err)
		return s
	}
	for i, o := range outputs {
		if !slices.Contains(disabled, o.Name()) {
			continue
		}
		if err := p.SetOutputEnabled(i, false); err != nil {
			log.Warn("output not disabled", "output", o.Name(), "err", err)
			continue
		}
		s.enabled[i] = false
		log.Info("output disabled as saved", "output", o.Name(), "path", s.path)
	}
	return s
}

// readOutputState returns the output names that the state file at path
// lists as disabled, or none when the file is missing.
func readOutputState(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOutputState+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxOutputState {
		return nil, fmt.Errorf("more than %d bytes: delete the file", maxOutputState)
	}
	var st outputState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("invalid output state: %w: delete the file", err)
	}
	return st.Disabled, nil
}

// Outputs implements mpd.OutputSwitcher.
func (s *outputSwitcher) Outputs(context.Context) ([]mpd.Output, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mpd.Output, len(s.outputs))
	for i, o := range s.outputs {
		out[i] = mpd.Output{ID: i, Name: o.Name(), Plugin: mpdPlugin(o.Name()), Enabled: s.enabled[i]}
	}
	return out, nil
}

// SetOutputEnabled implements mpd.OutputSwitcher. When the state file
// cannot be written, the switch still takes effect and a warning is logged.
func (s *outputSwitcher) SetOutputEnabled(_ context.Context, id int, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.player.SetOutputEnabled(id, enabled); err != nil {
		return err
	}
	s.enabled[id] = enabled
	if err := s.saveLocked(); err != nil {
		s.log.Warn("output state not saved", "path", s.path, "err", err)
	}
	return nil
}

// saveLocked writes the names of the disabled outputs to the state file;
// s.mu is held.
func (s *outputSwitcher) saveLocked() error {
	if s.path == "" {
		return nil
	}
	st := outputState{Disabled: []string{}}
	for i, o := range s.outputs {
		if !s.enabled[i] {
			st.Disabled = append(st.Disabled, o.Name())
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := fsutil.MkdirPrivate(filepath.Dir(s.path)); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(s.path, data)
}

// mpdPlugin returns the name of the MPD 0.23 output plugin that does the
// work of the output named name: "httpd" for the HTTP stream, "fifo" and
// "snapcast" for the Snapcast feeds, and the output kind for the others.
func mpdPlugin(name string) string {
	switch {
	case strings.HasPrefix(name, string(output.KindSnapcastFIFO)):
		return "fifo"
	case strings.HasPrefix(name, string(output.KindSnapcastTCP)):
		return "snapcast"
	case name == string(output.KindHTTP):
		return "httpd"
	}
	kind, _, _ := strings.Cut(name, ":")
	return kind
}
