package mpd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// Bounds of the sticker store.
const (
	maxStickers         = 100000
	maxStickerNameLen   = 255
	maxStickerValueLen  = 4096
	stickerFileName     = "mpd-stickers.json"
	maxStickerFileBytes = 64 << 20
)

// stickerStore keeps song stickers in a JSON file in the data folder,
// replaced atomically on every change. Keys are song paths as clients see
// them.
type stickerStore struct {
	path string

	mu    sync.Mutex
	songs map[string]map[string]string
	count int
}

func openStickerStore(dataDir string) (*stickerStore, error) {
	if err := fsutil.MkdirPrivate(dataDir); err != nil {
		return nil, fmt.Errorf("mpd: sticker store: %w", err)
	}
	st := &stickerStore{path: filepath.Join(dataDir, stickerFileName), songs: map[string]map[string]string{}}
	data, err := os.ReadFile(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mpd: read sticker store: %w", err)
	}
	if len(data) > maxStickerFileBytes {
		return nil, fmt.Errorf("mpd: sticker store %s is larger than %d bytes", st.path, maxStickerFileBytes)
	}
	if err := json.Unmarshal(data, &st.songs); err != nil {
		return nil, fmt.Errorf("mpd: invalid sticker store %s: %w", st.path, err)
	}
	for _, m := range st.songs {
		st.count += len(m)
	}
	return st, nil
}

// saveLocked writes the store; the caller holds mu.
func (st *stickerStore) saveLocked() error {
	data, err := json.Marshal(st.songs)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(st.path, data)
}

func (st *stickerStore) get(song, name string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	v, ok := st.songs[song][name]
	return v, ok
}

func (st *stickerStore) set(song, name, value string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.songs[song]
	if m == nil {
		m = map[string]string{}
		st.songs[song] = m
	}
	if _, ok := m[name]; !ok {
		if st.count >= maxStickers {
			return protocol.Errorf(protocol.AckSystem, "Too many stickers")
		}
		st.count++
	}
	m[name] = value
	return st.saveLocked()
}

func (st *stickerStore) delete(song, name string) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.songs[song]
	if name == "" {
		if len(m) == 0 {
			return false, nil
		}
		st.count -= len(m)
		delete(st.songs, song)
		return true, st.saveLocked()
	}
	if _, ok := m[name]; !ok {
		return false, nil
	}
	delete(m, name)
	st.count--
	if len(m) == 0 {
		delete(st.songs, song)
	}
	return true, st.saveLocked()
}

func (st *stickerStore) list(song string) map[string]string {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]string{}
	for k, v := range st.songs[song] {
		out[k] = v
	}
	return out
}

type stickerMatch struct{ song, value string }

func (st *stickerStore) find(base, name string, keep func(string) bool) []stickerMatch {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []stickerMatch
	for song, m := range st.songs {
		if v, ok := m[name]; ok && protocol.IsBelow(song, base) && keep(v) {
			out = append(out, stickerMatch{song, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].song < out[j].song })
	return out
}

func cmdSticker(ctx context.Context, c *conn, args []string) error {
	st := c.s.stickers
	if st == nil {
		return protocol.Errorf(protocol.AckUnknown, "sticker database is disabled: no data folder is configured")
	}
	if args[1] != "song" {
		return protocol.Errorf(protocol.AckArg, "unknown sticker domain")
	}
	sub, song := args[0], args[2]
	rest := args[3:]
	if !validStickerRequest(sub, len(rest)) {
		// MPD 0.23.12 checks the request before it looks the song up.
		return protocol.Errorf(protocol.AckArg, "bad request")
	}
	clean, err := c.dbPath(song)
	if err != nil && sub == "find" {
		// MPD 0.23.12 finds no stickers below a folder it does not have,
		// "/" included.
		return nil
	}
	if err != nil {
		// MPD 0.23.12 looks any path up and finds no such song.
		return protocol.Errorf(protocol.AckNoExist, "No such song")
	}
	if sub != "find" {
		if _, err := c.lookupSong(ctx, clean); err != nil {
			return protocol.Errorf(protocol.AckNoExist, "No such song")
		}
	}
	switch {
	case sub == "get" && len(rest) == 1:
		v, ok := st.get(clean, rest[0])
		if !ok {
			return protocol.Errorf(protocol.AckNoExist, "no such sticker")
		}
		c.w.Pair("sticker", rest[0]+"="+v)
	case sub == "set" && len(rest) == 2:
		if err := checkSticker(rest[0], rest[1]); err != nil {
			return err
		}
		if err := st.set(clean, rest[0], rest[1]); err != nil {
			return err
		}
		c.s.notifyAll("sticker")
	case sub == "delete" && len(rest) <= 1:
		name := ""
		if len(rest) == 1 {
			name = rest[0]
		}
		ok, err := st.delete(clean, name)
		if err != nil {
			return err
		}
		if !ok {
			return protocol.Errorf(protocol.AckNoExist, "no such sticker")
		}
		c.s.notifyAll("sticker")
	case sub == "list" && len(rest) == 0:
		m := st.list(clean)
		for _, k := range sortedKeys(m) {
			c.w.Pair("sticker", k+"="+m[k])
		}
	case sub == "find" && (len(rest) == 1 || len(rest) == 3):
		return stickerFind(c, clean, rest)
	default:
		return protocol.Errorf(protocol.AckArg, "bad request")
	}
	return nil
}

// validStickerRequest reports whether sub is a sticker subcommand that
// takes rest arguments after the song.
func validStickerRequest(sub string, rest int) bool {
	switch sub {
	case "get":
		return rest == 1
	case "set":
		return rest == 2
	case "delete":
		return rest <= 1
	case "list":
		return rest == 0
	case "find":
		return rest == 1 || rest == 3
	}
	return false
}

func stickerFind(c *conn, base string, rest []string) error {
	keep := func(string) bool { return true }
	if len(rest) == 3 {
		want := rest[2]
		switch rest[1] {
		case "=":
			keep = func(v string) bool { return v == want }
		case "<":
			keep = func(v string) bool { return v < want }
		case ">":
			keep = func(v string) bool { return v > want }
		default:
			return protocol.Errorf(protocol.AckArg, "bad operator")
		}
	}
	for _, m := range c.s.stickers.find(base, rest[0], keep) {
		c.w.Pair("file", m.song)
		c.w.Pair("sticker", rest[0]+"="+m.value)
	}
	return nil
}

func checkSticker(name, value string) error {
	if name == "" || len(name) > maxStickerNameLen || strings.ContainsRune(name, '=') {
		return protocol.Errorf(protocol.AckArg, "invalid sticker name")
	}
	if len(value) > maxStickerValueLen {
		return protocol.Errorf(protocol.AckArg, "sticker value too long")
	}
	return nil
}
