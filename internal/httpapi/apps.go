package httpapi

import (
	"html/template"
	"net/http"
	"os"
	"regexp"
	"sort"
)

var appNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var appListPage = template.Must(template.New("apps").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tonearm web clients</title></head>
<body><h1>Web clients</h1><ul>
{{range .}}<li><a href="/{{.}}/">{{.}}</a></li>
{{end}}</ul></body></html>
`))

// apps lists the installed web clients.
func (s *Server) apps() []string {
	var names []string
	if s.opts.WebUI != nil {
		names = append(names, "tonearm")
	}
	if s.opts.AppsDir == "" {
		return names
	}
	entries, err := os.ReadDir(s.opts.AppsDir)
	if err != nil {
		return names
	}
	for _, e := range entries {
		if e.IsDir() && appNamePattern.MatchString(e.Name()) && e.Name() != "tonearm" && e.Name() != "mopidy" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// handleAppList serves /mopidy/, the list of installed web clients, as
// Mopidy 3.4 does.
func (s *Server) handleAppList(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := appListPage.Execute(w, s.apps()); err != nil {
		s.log.Error("app list not rendered", "err", err)
	}
}

// handleApp serves an installed static web client from its folder. Files
// are opened through os.Root, so a path or symlink cannot leave it.
func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("app")
	if s.opts.AppsDir == "" || !appNamePattern.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	// The app folder is opened inside the apps folder, so an app that is a
	// symlink to elsewhere is refused like any path that leaves it.
	apps, err := os.OpenRoot(s.opts.AppsDir)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer apps.Close()
	root, err := apps.OpenRoot(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	http.StripPrefix("/"+name+"/", http.FileServerFS(root.FS())).ServeHTTP(w, r)
}
