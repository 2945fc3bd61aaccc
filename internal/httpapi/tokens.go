package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/core/scope"
)

// accountPrincipal returns the logged-in account of a request. Tokens and
// anonymous callers cannot manage tokens.
func (s *Server) accountPrincipal(w http.ResponseWriter, r *http.Request) (scope.Principal, bool) {
	p, ok := s.principal(r)
	if !ok || p.Kind != scope.KindSession || p.ID == "anonymous" {
		http.Error(w, `{"error":"log in with an account to manage tokens"}`, http.StatusUnauthorized)
		return p, false
	}
	return p, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type tokenView struct {
	Name     string   `json:"name"`
	Scopes   []string `json:"scopes"`
	Created  int64    `json:"created"`
	LastUsed int64    `json:"last_used,omitempty"`
}

// handleTokenList lists the caller's tokens, or every token for admin.
func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	p, ok := s.accountPrincipal(w, r)
	if !ok {
		return
	}
	tokens, err := s.opts.Auth.Tokens(r.Context())
	if err != nil {
		s.log.Error("tokens not listed", "user", p.ID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "listing tokens failed"})
		return
	}
	out := []tokenView{}
	for _, t := range tokens {
		if t.Owner != p.ID && !p.Scopes.Has(scope.Admin) {
			continue
		}
		v := tokenView{Name: t.Name, Scopes: t.Scopes, Created: t.Created.Unix()}
		if !t.LastUsed.IsZero() {
			v.LastUsed = t.LastUsed.Unix()
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleTokenCreate makes a token with at most the caller's own scopes and
// returns it once.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.accountPrincipal(w, r)
	if !ok {
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "Content-Type must be application/json"})
		return
	}
	var req struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<10))
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"name": ..., "scopes": [...]}`})
		return
	}
	for _, sc := range req.Scopes {
		if !p.Scopes.Has(scope.Scope(sc)) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "you do not hold scope " + truncate(sc, 40)})
			return
		}
	}
	secret, err := s.opts.Auth.CreateToken(r.Context(), req.Name, p.ID, req.Scopes)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, auth.ErrExists) {
			status = http.StatusConflict
		}
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"name": req.Name, "token": secret})
}

// handleTokenRevoke deletes one of the caller's tokens (any token for
// admin).
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	p, ok := s.accountPrincipal(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	tokens, err := s.opts.Auth.Tokens(r.Context())
	if err != nil {
		s.log.Error("tokens not listed", "user", p.ID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "listing tokens failed"})
		return
	}
	for _, t := range tokens {
		if t.Name == name && (t.Owner == p.ID || p.Scopes.Has(scope.Admin)) {
			if err := s.opts.Auth.RevokeToken(r.Context(), name); err != nil {
				s.log.Error("token not revoked", "token", name, "err", err)
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "revoking the token failed"})
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "token not found"})
}

// handleStatus reports the server's state for the settings page.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.principal(r); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "login required"})
		return
	}
	status := map[string]any{"version": s.opts.Version}
	if s.opts.Status != nil {
		for k, v := range s.opts.Status(r.Context()) {
			status[k] = v
		}
	}
	writeJSON(w, http.StatusOK, status)
}
