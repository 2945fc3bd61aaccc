package mpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
	"github.com/tonearm/tonearm/internal/safepath"
)

// maxCoverFileBytes bounds a cover file that albumart reads whole. Larger
// files are left out, as if missing.
const maxCoverFileBytes = 16 << 20

// coverCache keeps the last picture a connection read, because clients
// fetch a picture in many chunks of binarylimit bytes.
type coverCache struct {
	uri  string
	data []byte
	mime string
}

func (c *conn) cover(ctx context.Context, p string) (*coverCache, error) {
	uri, err := c.pathToURI(p)
	if errors.Is(err, errNoSuchPath) {
		// The path names no song, so it has no picture either.
		return &coverCache{}, nil
	} else if err != nil {
		return nil, err
	}
	if c.lastCover != nil && c.lastCover.uri == uri {
		return c.lastCover, nil
	}
	data, mime, err := c.core.CoverArt(ctx, uri)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	c.lastCover = &coverCache{uri: uri, data: data, mime: mime}
	return c.lastCover, nil
}

// albumArt returns the picture that albumart sends for the song at p. It
// is the first of cover.png, cover.jpg and cover.webp in the song's
// folder, the names and order of MPD 0.23.12, whether or not the song
// exists. Without such a file albumArt falls back to the song's embedded
// picture, which MPD 0.23.12 sends only through readpicture.
func (c *conn) albumArt(ctx context.Context, p string) (*coverCache, error) {
	uri, err := c.pathToURI(p)
	if errors.Is(err, errNoSuchPath) {
		return &coverCache{}, nil
	} else if err != nil {
		return nil, err
	}
	if c.s.music == nil || !strings.HasPrefix(uri, localTrackPrefix) {
		return c.cover(ctx, p)
	}
	dir := path.Dir(uriToPath(uri))
	key := "albumart:" + dir
	if c.lastCover != nil && c.lastCover.uri == key {
		return c.lastCover, nil
	}
	for _, name := range [...]string{"cover.png", "cover.jpg", "cover.webp"} {
		data, err := readCoverFile(c.s.music, path.Join(dir, name))
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				c.log.Debug("MPD albumart skipped a cover file", "dir", dir, "name", name, "err", err)
			}
			continue
		}
		c.lastCover = &coverCache{uri: key, data: data}
		return c.lastCover, nil
	}
	return c.cover(ctx, p)
}

// readCoverFile reads the cover file rel inside music with
// readRegularFile.
func readCoverFile(music *safepath.Root, rel string) ([]byte, error) {
	data, _, err := readRegularFile(music, rel, maxCoverFileBytes)
	return data, err
}

// readRegularFile reads the regular file rel inside music, of at most
// limit bytes. It opens without blocking, so a FIFO named like a cover or
// a playlist cannot stall the connection, and os.Root keeps symbolic links
// inside the music folder.
func readRegularFile(music *safepath.Root, rel string, limit int64) ([]byte, os.FileInfo, error) {
	clean, err := safepath.Clean(rel)
	if err != nil {
		return nil, nil, err
	}
	f, err := music.OSRoot().OpenFile(clean, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", rel)
	}
	if info.Size() > limit {
		return nil, nil, fmt.Errorf("%s has %d bytes, more than %d", rel, info.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, nil, fmt.Errorf("%s grew past %d bytes", rel, limit)
	}
	return data, info, nil
}

// writeChunk writes one chunk of a picture from offset, at most
// binarylimit bytes. tooFar is the message for an offset past the end,
// which differs between albumart and readpicture in MPD 0.23.12.
func (c *conn) writeChunk(cc *coverCache, offset int, withType bool, tooFar string) error {
	if offset > len(cc.data) {
		return protocol.Errorf(protocol.AckArg, "%s", tooFar)
	}
	end := min(offset+c.binaryLimit, len(cc.data))
	c.w.PairInt("size", int64(len(cc.data)))
	if withType && cc.mime != "" {
		c.w.Pair("type", cc.mime)
	}
	c.w.Binary(cc.data[offset:end])
	return nil
}

// As in MPD 0.23.12, albumart and readpicture parse the offset before
// they look the song up.

func cmdAlbumArt(ctx context.Context, c *conn, args []string) error {
	offset, err := protocol.ParseUint(args[1])
	if err != nil {
		return err
	}
	cc, err := c.albumArt(ctx, args[0])
	if err != nil {
		return err
	}
	if len(cc.data) == 0 {
		return protocol.Errorf(protocol.AckNoExist, "No file exists")
	}
	return c.writeChunk(cc, offset, false, "Offset too large")
}

// cmdReadPicture sends nothing when the song has no picture and fails when
// there is no such song, as MPD 0.23.12 does.
func cmdReadPicture(ctx context.Context, c *conn, args []string) error {
	offset, err := protocol.ParseUint(args[1])
	if err != nil {
		return err
	}
	cc, err := c.cover(ctx, args[0])
	if err != nil {
		return err
	}
	if len(cc.data) == 0 {
		if _, err := c.lookupSong(ctx, args[0]); err != nil {
			return err
		}
		return nil
	}
	return c.writeChunk(cc, offset, true, "Bad file offset")
}
