package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
)

const wsWriteTimeout = 10 * time.Second

// rpcPath is the URL path that JSON-RPC calls are posted to, as in Mopidy 3.4.
const rpcPath = "/mopidy/rpc"

// handleRPC serves POST /mopidy/rpc. As in Mopidy 3.4 with csrf_protection
// on, the body must be declared application/json, which a browser cannot
// send cross-site without a CORS preflight.
func (s *Server) handleRPC(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r.Header.Get("Content-Type")) {
		http.Error(w, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	p, ok := s.principal(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tonearm"`)
		http.Error(w, "login required: send a session cookie or an API token", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > s.opts.MaxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	buf := s.rpcBuffers.Get().(*rpcBuffer)
	defer s.rpcBuffers.Put(buf)
	buf.body.Reset()
	// net/http ends a body with a declared Content-Length at that length,
	// which is checked above, so only a body of unknown length (chunked)
	// needs a MaxBytesReader.
	body := r.Body
	if r.ContentLength < 0 {
		body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	} else {
		buf.body.Grow(int(r.ContentLength))
	}
	if _, err := buf.body.ReadFrom(body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		s.log.Debug("JSON-RPC request body not read", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "request body not read", http.StatusBadRequest)
		return
	}
	// Closing the body, which is read to its end here, spares net/http
	// the pass that discards any unread rest after the handler.
	_ = r.Body.Close()
	buf.reply = s.opts.Dispatcher.AppendReply(WithPrincipal(r.Context(), p), buf.reply[:0], buf.body.Bytes())
	w.Header()["Content-Type"] = s.jsonContentType
	if len(buf.reply) > 0 {
		_, _ = w.Write(buf.reply)
	}
	buf.trim()
}

// rpcBuffer contains one call's request body and reply. The reply is written
// to the connection before the buffer is reused, and the dispatcher keeps
// no reference to either slice after AppendReply.
type rpcBuffer struct {
	body  bytes.Buffer
	reply []byte
}

// maxPooledBuffer is the largest buffer kept for reuse, so that one large
// call does not pin its memory in the pool.
const maxPooledBuffer = 64 << 10

// trim drops a buffer that grew over maxPooledBuffer.
func (b *rpcBuffer) trim() {
	if b.body.Cap() > maxPooledBuffer {
		b.body = bytes.Buffer{}
	}
	if cap(b.reply) > maxPooledBuffer {
		b.reply = nil
	}
}

// handlePreflight replies to a CORS preflight from an allowed origin.
func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if !s.originAllowed(origin, r.Host) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	w.Header().Set("Vary", "Origin")
	w.WriteHeader(http.StatusNoContent)
}

// originAllowed reports whether a browser Origin is this server or an
// allowed origin.
func (s *Server) originAllowed(origin, host string) bool {
	if origin == "" {
		return false
	}
	if origin == "null" {
		return slices.Contains(s.origins, "null")
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	h := strings.ToLower(u.Host)
	return h == strings.ToLower(host) || slices.Contains(s.origins, h)
}

// handleWebSocket serves /mopidy/ws: JSON-RPC requests in, replies and
// events out.
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(r)
	if !ok {
		http.Error(w, "login required: send a session cookie or an API token", http.StatusUnauthorized)
		return
	}
	if r.Header.Get("Origin") == "null" {
		if !slices.Contains(s.origins, "null") {
			s.opts.Audit.Record(r.Context(), audit.Event{Kind: audit.PermissionDenied, Principal: p.String(),
				Address: r.RemoteAddr, Detail: "WebSocket from origin null"})
			http.Error(w, "Origin null not allowed: add null to [http] allowed_origins", http.StatusForbidden)
			return
		}
		// A configured "null" origin (local files, Cordova apps) is let in
		// like a client that sends no Origin; the login still applies.
		r.Header.Del("Origin")
	}
	release, ok := s.acquireSocket(w, r, p)
	if !ok {
		return
	}
	defer release()
	var patterns []string
	for _, o := range s.origins {
		if o != "null" {
			patterns = append(patterns, o)
		}
	}
	hijacker := &batchHijacker{ResponseWriter: w, timeout: wsWriteTimeout}
	conn, err := websocket.Accept(hijacker, r, &websocket.AcceptOptions{OriginPatterns: patterns})
	if err != nil {
		s.log.Warn("WebSocket refused", "remote", r.RemoteAddr, "origin", truncate(r.Header.Get("Origin"), 100), "err", err)
		s.opts.Audit.Record(r.Context(), audit.Event{Kind: audit.PermissionDenied, Principal: p.String(), Address: r.RemoteAddr,
			Detail: "WebSocket from origin " + truncate(r.Header.Get("Origin"), 100)})
		return
	}
	conn.SetReadLimit(s.opts.MaxMessageBytes)
	ctx, cancel := context.WithCancel(WithPrincipal(r.Context(), p))
	defer cancel()
	s.log.Debug("WebSocket opened", "principal", p.String(), "remote", r.RemoteAddr)
	go s.keepAlive(ctx, conn, p, r.RemoteAddr)

	if s.opts.Subscribe != nil {
		if sub := s.opts.Subscribe(p); sub != nil {
			defer sub.Close()
			go s.pushEvents(ctx, cancel, conn, sub)
		}
	}
	s.serveMessages(ctx, conn, hijacker.conn, p)
}

// serveMessages replies to the JSON-RPC requests of one WebSocket until it
// closes. It reuses one buffer for requests and replies, and holds back
// each reply while the next request is already buffered.
func (s *Server) serveMessages(ctx context.Context, conn *websocket.Conn, batch *batchConn, p scope.Principal) {
	var buf rpcBuffer
	for {
		buf.trim()
		buf.body.Reset()
		_, reader, err := conn.Reader(ctx)
		if err == nil {
			_, err = buf.body.ReadFrom(reader)
		}
		if err != nil {
			if websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
				s.log.Debug("WebSocket read ended", "principal", p.String(), "err", err)
			}
			conn.Close(websocket.StatusNormalClosure, "")
			return
		}
		buf.reply = s.opts.Dispatcher.AppendReply(ctx, buf.reply[:0], buf.body.Bytes())
		if len(buf.reply) == 0 {
			continue
		}
		release := batch.holdWhileBuffered()
		err = s.write(ctx, conn, buf.reply)
		release()
		if err != nil {
			return
		}
	}
}

func (s *Server) write(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	wctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, msg)
}

// pushEvents sends each event as Mopidy 3.4 does: the payload with an
// "event" key. When the bus drops a slow socket, the socket is closed.
func (s *Server) pushEvents(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, sub *events.Subscription) {
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-sub.Events():
			if !ok {
				if sub.Dropped() {
					s.log.Warn("WebSocket closed: it did not keep up with events")
					conn.Close(websocket.StatusPolicyViolation, "too slow to receive events")
				}
				return
			}
			frame, err := events.Marshal(e)
			if err != nil {
				s.log.Error("event not encoded", "event", e.Name(), "err", err)
				continue
			}
			if err := s.write(ctx, conn, frame); err != nil {
				return
			}
		}
	}
}
