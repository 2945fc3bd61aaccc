package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secretText = "secret outside the app folder"

// newAppsEnv lays out an apps folder with one client, "myapp", next to a
// file and a folder that must never be served, and starts the frontend
// over it.
func newAppsEnv(t *testing.T, defaultApp string) *testEnv {
	t.Helper()
	base := t.TempDir()
	apps := filepath.Join(base, "apps")
	app := filepath.Join(apps, "myapp")
	outside := filepath.Join(base, "outside")
	for _, dir := range []string{filepath.Join(app, "sub"), outside} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(app, "index.html"):        "<!doctype html><title>myapp</title>",
		filepath.Join(app, "sub", "page.html"):  "<!doctype html><title>page</title>",
		filepath.Join(app, "sub", "index.html"): "<!doctype html><title>sub</title>",
		filepath.Join(base, "secret.txt"):       secretText,
		filepath.Join(apps, "secret.txt"):       secretText,
		filepath.Join(outside, "index.html"):    secretText,
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(app, "leak.txt"):     filepath.Join(base, "secret.txt"),
		filepath.Join(app, "outside"):      outside,
		filepath.Join(app, "up"):           "..",
		filepath.Join(app, "relative.txt"): "../../secret.txt",
		filepath.Join(app, "inner.html"):   "sub/page.html",
		filepath.Join(apps, "evil"):        outside,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return newTestEnv(t, Options{Loopback: true, AppsDir: apps, DefaultApp: defaultApp})
}

// rawGet sends path to the server unchanged, without the client's URL
// parsing, and returns the status code and body.
func rawGet(t *testing.T, env *testEnv, path string) (int, string) {
	t.Helper()
	addr := strings.TrimPrefix(env.srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestAppsServeIndexAndFiles(t *testing.T) {
	env := newAppsEnv(t, "")
	cases := []struct {
		path, want string
	}{
		{"/myapp/", "<title>myapp</title>"},
		{"/myapp/sub/page.html", "<title>page</title>"},
		{"/myapp/sub/", "<title>sub</title>"},
		{"/myapp/inner.html", "<title>page</title>"},
	}
	for _, c := range cases {
		status, body := rawGet(t, env, c.path)
		if status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", c.path, status)
		}
		if !strings.Contains(body, c.want) {
			t.Errorf("GET %s: body %q, want it to contain %q", c.path, body, c.want)
		}
	}

	resp, err := env.srv.Client().Get(env.srv.URL + "/myapp/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET /myapp/: Content-Type %q, want text/html", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp == "" {
		t.Error("GET /myapp/: no Content-Security-Policy")
	}
}

func TestAppsUnknownOrInvalidName(t *testing.T) {
	env := newAppsEnv(t, "")
	for _, path := range []string{"/nosuchapp/", "/MyApp/", "/.hidden/", "/my%20app/"} {
		status, _ := rawGet(t, env, path)
		if status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, status)
		}
	}
}

func TestAppsTraversalNotServed(t *testing.T) {
	env := newAppsEnv(t, "")
	paths := []string{
		"/myapp/../secret.txt",
		"/myapp/../../secret.txt",
		"/myapp/sub/../../secret.txt",
		"/myapp/..%2fsecret.txt",
		"/myapp/..%2f..%2fsecret.txt",
		"/myapp/%2e%2e/secret.txt",
		"/myapp/%2e%2e/%2e%2e/secret.txt",
		"/myapp/%2e%2e%2f%2e%2e%2fsecret.txt",
		"/myapp/..%5c..%5csecret.txt",
		"/myapp/%252e%252e/%252e%252e/secret.txt",
		"/myapp//../../secret.txt",
		"/myapp/./../secret.txt",
		"/%2e%2e/secret.txt",
		"/myapp%2f..%2f..%2fsecret.txt",
	}
	for _, path := range paths {
		status, body := rawGet(t, env, path)
		if strings.Contains(body, secretText) {
			t.Errorf("GET %s: served the file outside the app folder (status %d)", path, status)
		}
		if status == http.StatusOK {
			t.Errorf("GET %s: status 200, want an error or a redirect", path)
		}
	}
}

func TestAppsSymlinkOutNotServed(t *testing.T) {
	env := newAppsEnv(t, "")
	for _, path := range []string{
		"/myapp/leak.txt",
		"/myapp/relative.txt",
		"/myapp/outside/",
		"/myapp/outside/index.html",
		"/myapp/up/secret.txt",
		"/myapp/up/myapp/index.html",
		"/evil/",
		"/evil/index.html",
	} {
		status, body := rawGet(t, env, path)
		if strings.Contains(body, secretText) {
			t.Errorf("GET %s: followed a symlink out of the app folder (status %d)", path, status)
		}
		if status == http.StatusOK {
			t.Errorf("GET %s: status 200, want an error", path)
		}
	}
}

func TestRootRedirectsToDefaultApp(t *testing.T) {
	for _, c := range []struct {
		defaultApp, want string
	}{
		{"", "/tonearm/"},
		{"myapp", "/myapp/"},
	} {
		env := newAppsEnv(t, c.defaultApp)
		client := env.srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Get(env.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("DefaultApp %q: GET / status %d, want 302", c.defaultApp, resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != c.want {
			t.Errorf("DefaultApp %q: GET / Location %q, want %q", c.defaultApp, loc, c.want)
		}
	}

	env := newAppsEnv(t, "myapp")
	resp, err := env.srv.Client().Get(env.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<title>myapp</title>") {
		t.Errorf("GET / followed to the default app: status %d, body %q", resp.StatusCode, body)
	}
}
