package extsdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// serve handles one request from the server.
func (x *Extension) serve(ctx context.Context, m message, b Backend) {
	if b == nil {
		x.reply(m.ID, nil, fmt.Errorf("method %q: this extension serves no backend", m.Method))
		return
	}
	var p struct {
		URI    string   `json:"uri"`
		Query  Query    `json:"query"`
		URIs   []string `json:"uris"`
		Exact  bool     `json:"exact"`
		Stream uint64   `json:"stream"`
		Size   int      `json:"size"`
	}
	if len(m.Params) > 0 {
		if err := json.Unmarshal(m.Params, &p); err != nil {
			x.reply(m.ID, nil, fmt.Errorf("invalid params: %w", err))
			return
		}
	}
	switch m.Method {
	case "library.browse":
		refs, err := b.Browse(ctx, p.URI)
		x.reply(m.ID, nonNil(refs), err)
	case "library.lookup":
		tracks, err := b.Lookup(ctx, p.URI)
		if errors.Is(err, ErrNotFound) {
			tracks, err = nil, nil
		}
		x.reply(m.ID, nonNil(tracks), err)
	case "library.search":
		res, err := b.Search(ctx, p.Query, p.URIs, p.Exact)
		x.reply(m.ID, res, err)
	case "playback.open":
		x.open(ctx, m, b, p.URI)
	case "playback.read":
		x.read(m, p.Stream, p.Size)
	case "playback.close":
		x.mu.Lock()
		rc := x.streams[p.Stream]
		delete(x.streams, p.Stream)
		x.mu.Unlock()
		if rc != nil {
			rc.Close()
		}
		x.reply(m.ID, nil, nil)
	default:
		if m.ID != nil {
			_ = x.write(message{ID: m.ID, Error: &RPCError{Code: -32601, Message: "unknown method " + m.Method}})
		}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// maxStreams bounds the playback streams open at once.
const maxStreams = 8

func (x *Extension) open(ctx context.Context, m message, b Backend, uri string) {
	x.mu.Lock()
	n := len(x.streams)
	x.mu.Unlock()
	if n >= maxStreams {
		x.reply(m.ID, nil, fmt.Errorf("%d streams already open", n))
		return
	}
	rc, format, err := b.Open(ctx, uri)
	if err != nil {
		x.reply(m.ID, nil, err)
		return
	}
	x.mu.Lock()
	x.nextSID++
	id := x.nextSID
	x.streams[id] = rc
	x.mu.Unlock()
	x.reply(m.ID, map[string]any{"stream": id, "format": format}, nil)
}

func (x *Extension) read(m message, stream uint64, size int) {
	x.mu.Lock()
	rc := x.streams[stream]
	x.mu.Unlock()
	if rc == nil {
		x.reply(m.ID, nil, fmt.Errorf("stream %d is not open", stream))
		return
	}
	if size <= 0 || size > MaxChunk {
		size = MaxChunk
	}
	buf := make([]byte, size)
	n, err := io.ReadFull(rc, buf)
	eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !eof {
		x.reply(m.ID, nil, err)
		return
	}
	x.reply(m.ID, map[string]any{"data": buf[:n], "eof": eof}, nil)
}
