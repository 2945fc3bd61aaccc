package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/models"
)

// stateFormat is the version of the state file's layout.
const stateFormat = 1

// maxStateFile bounds the state file read at start.
const maxStateFile = 64 << 20

// savedState is the JSON form of <data_dir>/core/state.json. Tracks use
// Mopidy's model form.
type savedState struct {
	Format      int              `json:"format"`
	Tracklist   []models.TlTrack `json:"tracklist"`
	NextTLID    int              `json:"next_tlid"`
	Version     int              `json:"version"`
	Consume     bool             `json:"consume"`
	Random      bool             `json:"random"`
	Repeat      bool             `json:"repeat"`
	Single      bool             `json:"single"`
	CurrentTLID int              `json:"current_tlid,omitempty"`
	Position    int              `json:"time_position"`
	State       State            `json:"state"`
	Volume      int              `json:"volume"`
	Mute        bool             `json:"mute"`
	History     []HistoryEntry   `json:"history"`
	// AudioFormats maps a tlid to its track's AudioFormat, which Mopidy's
	// track model does not carry.
	AudioFormats map[int]string `json:"audio_formats,omitempty"`
	// Priorities maps a tlid to its non-zero priority, which Mopidy's
	// state does not have, as MPD 0.23 keeps priorities in its state file.
	Priorities map[int]int `json:"priorities,omitempty"`
}

// maxAudioFormat bounds an audio format read from the state file. A real
// one such as "192000:f:8" is 10 bytes.
const maxAudioFormat = 32

// snapshot copies the state; c.mu is held.
func (c *Core) snapshot() savedState {
	return savedState{
		Format:       stateFormat,
		Tracklist:    c.tl.tlTracks(),
		NextTLID:     c.tl.nextTLID,
		Version:      c.tl.version,
		Consume:      c.tl.consume,
		Random:       c.tl.random,
		Repeat:       c.tl.repeat,
		Single:       c.tl.single,
		CurrentTLID:  c.currentTLID(),
		Position:     c.positionMS(),
		State:        c.state,
		Volume:       c.volume,
		Mute:         c.mute,
		History:      c.history,
		AudioFormats: c.tl.audioFormats(),
		Priorities:   c.tl.priorities(),
	}
}

// saveState writes the state file atomically, so a crash leaves the old
// or the new file.
func (c *Core) saveState() error {
	c.mu.Lock()
	data, err := json.Marshal(c.snapshot())
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode core state: %w", err)
	}
	path := c.statePath()
	if err := fsutil.MkdirPrivate(filepath.Dir(path)); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("save core state: %w", err)
	}
	return nil
}

// positionSaveInterval is how often the state is saved while a track
// plays, so that a crash loses at most this much of the position.
const positionSaveInterval = 30 * time.Second

// saveLoop saves the state SaveDelay after a change, so a burst of
// changes costs one write, and every positionSaveInterval while playing.
func (c *Core) saveLoop() {
	defer c.wg.Done()
	ticker := time.NewTicker(positionSaveInterval)
	defer ticker.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-ticker.C:
			c.mu.Lock()
			playing := c.state == Playing
			c.mu.Unlock()
			if !playing {
				continue
			}
		case <-c.saveCh:
		}
		timer := time.NewTimer(c.opts.SaveDelay)
		select {
		case <-c.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if err := c.saveState(); err != nil {
			c.log.Error("core state not saved", "path", c.statePath(), "err", err)
		}
	}
}

// loadState reads the state file and applies the tracklist, modes, mixer
// and history. It returns the state to resume playback from, or nil. A
// missing file is normal; a corrupt one is logged and ignored.
func (c *Core) loadState() *savedState {
	if !c.opts.RestoreState {
		return nil
	}
	path := c.statePath()
	removeStaleTemps(path)
	s, err := readState(path, c.opts.MaxTracklistLength)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		c.log.Warn("core state ignored", "path", path, "err", err)
		return nil
	}
	tl := c.tl
	for _, t := range s.Tracklist {
		if f, ok := s.AudioFormats[t.TLID]; ok {
			t.Track.AudioFormat = f
		}
		tl.entries = append(tl.entries, entry{tl: t, prio: s.Priorities[t.TLID]})
	}
	tl.nextTLID, tl.version = s.NextTLID, s.Version
	tl.consume, tl.random, tl.repeat, tl.single = s.Consume, s.Random, s.Repeat, s.Single
	if tl.random {
		tl.reshuffle(0)
	}
	c.volume, c.mute = s.Volume, s.Mute
	c.history = s.History
	c.log.Info("core state restored", "path", path, "tracks", len(s.Tracklist), "state", s.State)
	return s
}

// readState reads and checks a state file.
func readState(path string, maxTracks int) (*savedState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > maxStateFile {
		return nil, fmt.Errorf("state file is %d bytes, more than %d: delete it", info.Size(), maxStateFile)
	}
	return decodeState(f, maxTracks)
}

// decodeState decodes and checks a state file's content.
func decodeState(r io.Reader, maxTracks int) (*savedState, error) {
	var s savedState
	dec := json.NewDecoder(io.LimitReader(r, maxStateFile))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("invalid state file: %w", err)
	}
	if err := s.check(maxTracks); err != nil {
		return nil, fmt.Errorf("invalid state file: %w", err)
	}
	return &s, nil
}

func (s *savedState) check(maxTracks int) error {
	if s.Format != stateFormat {
		return fmt.Errorf("format %d, expected %d", s.Format, stateFormat)
	}
	if len(s.Tracklist) > maxTracks {
		return fmt.Errorf("%d tracks, more than max_tracklist_length %d", len(s.Tracklist), maxTracks)
	}
	seen := make(map[int]bool, len(s.Tracklist))
	highest := 0
	for _, t := range s.Tracklist {
		if t.TLID <= 0 || seen[t.TLID] || t.Track == nil {
			return fmt.Errorf("tracklist entry with tlid %d is missing, repeated or has no track", t.TLID)
		}
		seen[t.TLID] = true
		highest = max(highest, t.TLID)
	}
	if s.NextTLID <= highest {
		s.NextTLID = highest + 1
	}
	if s.Version < 0 || s.Position < 0 {
		return fmt.Errorf("negative version or time_position")
	}
	if s.Volume < 0 || s.Volume > 100 {
		return fmt.Errorf("volume %d is outside 0..100", s.Volume)
	}
	if _, err := ParseState(string(s.State)); err != nil {
		return err
	}
	for tlid, f := range s.AudioFormats {
		if !seen[tlid] {
			return fmt.Errorf("audio format of tlid %d, which is not in the tracklist", tlid)
		}
		if len(f) > maxAudioFormat {
			return fmt.Errorf("audio format of tlid %d is %d bytes, more than %d", tlid, len(f), maxAudioFormat)
		}
	}
	for tlid, p := range s.Priorities {
		if !seen[tlid] {
			return fmt.Errorf("priority of tlid %d, which is not in the tracklist", tlid)
		}
		if p < 0 || p > MaxPriority {
			return fmt.Errorf("priority %d of tlid %d is outside 0..%d", p, tlid, MaxPriority)
		}
	}
	if s.CurrentTLID != 0 && !seen[s.CurrentTLID] {
		return fmt.Errorf("current tlid %d is not in the tracklist", s.CurrentTLID)
	}
	if len(s.History) > MaxHistory {
		s.History = s.History[:MaxHistory]
	}
	return nil
}

// restorePlayback resumes where the saved state left off, as Mopidy 3.4
// does with restore_state: a playing track plays on from its position, a
// paused one is loaded paused at its position, and after a stop nothing
// is current.
func (c *Core) restorePlayback(s *savedState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.CurrentTLID == 0 || s.State == Stopped {
		return
	}
	tl, ok := c.tl.get(s.CurrentTLID)
	if !ok {
		return
	}
	if !c.changeTo(&tl, s.State, s.Position) {
		c.log.Warn("saved track not playable, playback not restored", "tlid", tl.TLID, "uri", trackURI(&tl))
	}
}

// removeStaleTemps deletes the temporary files that fsutil.WriteFileAtomic
// leaves when the process is killed between creating and renaming one.
func removeStaleTemps(path string) {
	temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, t := range temps {
		os.Remove(t)
	}
}
