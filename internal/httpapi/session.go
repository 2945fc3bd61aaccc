package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/connlimit"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleLogin checks a user name and password sent as a form or as JSON
// and sets the session cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<10))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "invalid JSON: send {\"username\": ..., \"password\": ...}", http.StatusBadRequest)
			return
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "invalid form", http.StatusBadRequest)
			return
		}
		req.Username, req.Password = form.Get("username"), form.Get("password")
	default:
		http.Error(w, "Content-Type must be application/json or a form", http.StatusUnsupportedMediaType)
		return
	}
	id, user, err := s.opts.Auth.Login(r.Context(), req.Username, req.Password, clientAddress(r))
	switch {
	case errors.Is(err, auth.ErrLocked):
		w.Header().Set("Retry-After", "900")
		http.Error(w, "too many failed logins: try again later", http.StatusTooManyRequests)
		return
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many logins at once: try again in a moment", http.StatusServiceUnavailable)
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		http.Error(w, "invalid user name or password", http.StatusUnauthorized)
		return
	case err != nil:
		s.log.Error("login failed", "user", truncate(req.Username, 64), "err", err)
		http.Error(w, "login failed", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opts.TLS,
		MaxAge: int(s.opts.Auth.SessionMaxAge().Seconds()),
	})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"user": user.Name, "scopes": user.Scopes})
}

// handleLogout ends the session and clears the cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.opts.Auth.Logout(r.Context(), c.Value); err != nil {
			s.log.Error("logout failed", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opts.TLS,
	})
	w.WriteHeader(http.StatusNoContent)
}

// handleWhoAmI reports to the web page whether a login is needed and what
// the caller may do.
func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	p, ok := s.principal(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"login_required": true})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"login_required": false, "kind": p.Kind, "name": p.ID, "scopes": p.Scopes.List(),
	})
}

// clientAddress returns the key that login limits count the caller
// under: the IPv4 address, or the /64 prefix of an IPv6 address, because
// one IPv6 host can usually use any address in its /64.
func clientAddress(r *http.Request) string {
	return connlimit.AddressKey(r.RemoteAddr)
}
