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

// maxCoverFileBytes bounds the cover files that albumart sends. Larger
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

// writeFolderCover writes the chunk at offset of the first of cover.png,
// cover.jpg and cover.webp in folder dir, the names and order of MPD
// 0.23.12, and reports false when the folder has none. It reads only the
// chunk, so a connection never holds a whole cover file.
func (c *conn) writeFolderCover(dir string, offset int) (bool, error) {
	for _, name := range [...]string{"cover.png", "cover.jpg", "cover.webp"} {
		size, chunk, err := readCoverChunk(c.s.music, path.Join(dir, name), int64(offset), c.binaryLimit)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				c.log.Debug("MPD albumart skipped a cover file", "dir", dir, "name", name, "err", err)
			}
			continue
		}
		if int64(offset) > size {
			return true, protocol.Errorf(protocol.AckArg, "Offset too large")
		}
		c.w.PairInt("size", size)
		c.w.Binary(chunk)
		return true, nil
	}
	return false, nil
}

// readCoverChunk returns the size of the regular file rel inside music and
// at most n of its bytes from offset, with the checks of openRegularFile.
// Files larger than maxCoverFileBytes are refused.
func readCoverChunk(music *safepath.Root, rel string, offset int64, n int) (int64, []byte, error) {
	f, info, err := openRegularFile(music, rel)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	size := info.Size()
	if size > maxCoverFileBytes {
		return 0, nil, fmt.Errorf("%s has %d bytes, more than %d", rel, size, maxCoverFileBytes)
	}
	if offset >= size {
		return size, nil, nil
	}
	chunk := make([]byte, min(int64(n), size-offset))
	read, err := f.ReadAt(chunk, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	return size, chunk[:read], nil
}

// openRegularFile opens the regular file rel inside music for reading. It
// opens without blocking, so a FIFO named like a cover or a playlist
// cannot stall the connection, and os.Root keeps symbolic links inside
// the music folder.
func openRegularFile(music *safepath.Root, rel string) (*os.File, os.FileInfo, error) {
	clean, err := safepath.Clean(rel)
	if err != nil {
		return nil, nil, err
	}
	f, err := music.OSRoot().OpenFile(clean, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a regular file", rel)
	}
	return f, info, nil
}

// readRegularFile reads the regular file rel inside music, of at most
// limit bytes, with the checks of openRegularFile.
func readRegularFile(music *safepath.Root, rel string, limit int64) ([]byte, os.FileInfo, error) {
	f, info, err := openRegularFile(music, rel)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
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
	if end == len(cc.data) {
		// The client has the last chunk, so the connection need not keep
		// a picture of up to 16 MiB any longer.
		c.lastCover = nil
	}
	return nil
}

// As in MPD 0.23.12, albumart and readpicture parse the offset before
// they look the song up.

func cmdAlbumArt(ctx context.Context, c *conn, args []string) error {
	offset, err := protocol.ParseUint(args[1])
	if err != nil {
		return err
	}
	// As in MPD 0.23.12, the song's folder decides, whether or not the
	// song exists. Without a cover file there, the song's embedded
	// picture is sent, which MPD 0.23.12 sends only through readpicture.
	uri, err := c.pathToURI(args[0])
	if errors.Is(err, errNoSuchPath) {
		return protocol.Errorf(protocol.AckNoExist, "No file exists")
	} else if err != nil {
		return err
	}
	if c.s.music != nil && strings.HasPrefix(uri, localTrackPrefix) {
		if found, err := c.writeFolderCover(path.Dir(uriToPath(uri)), offset); found || err != nil {
			return err
		}
	}
	cc, err := c.cover(ctx, args[0])
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
