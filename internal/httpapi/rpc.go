package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core/events"
)

const wsWriteTimeout = 10 * time.Second

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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	reply := s.opts.Dispatcher.Handle(WithPrincipal(r.Context(), p), body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if reply != nil {
		_, _ = w.Write(reply)
	}
}

// handlePreflight answers a CORS preflight for an allowed origin.
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
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: patterns})
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
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
				s.log.Debug("WebSocket read ended", "principal", p.String(), "err", err)
			}
			conn.Close(websocket.StatusNormalClosure, "")
			return
		}
		reply := s.opts.Dispatcher.Handle(ctx, msg)
		if reply == nil {
			continue
		}
		if err := s.write(ctx, conn, reply); err != nil {
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
