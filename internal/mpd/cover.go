package mpd

import (
	"context"
	"errors"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

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

// writeChunk writes one chunk of a picture from offset, at most
// binarylimit bytes.
func (c *conn) writeChunk(cc *coverCache, offset int, withType bool) error {
	if offset > len(cc.data) {
		return protocol.Errorf(protocol.AckArg, "Bad file offset")
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
	cc, err := c.cover(ctx, args[0])
	if err != nil {
		return err
	}
	if len(cc.data) == 0 {
		return protocol.Errorf(protocol.AckNoExist, "No file exists")
	}
	return c.writeChunk(cc, offset, false)
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
	return c.writeChunk(cc, offset, true)
}
