package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	helloOnce sync.Once
	helloDir  string
	helloErr  error
)

// helloFolder builds extsdk/examples/hello once per test run, as a static
// binary in the extsdk module, and returns a folder holding it and its
// manifest, ready for `tonearm extension pack`.
func helloFolder(t *testing.T) string {
	t.Helper()
	helloOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tonearm-hello-")
		if err != nil {
			helloErr = err
			return
		}
		helloDir = filepath.Join(dir, "hello")
		cmd := exec.Command("go", "build", "-o", filepath.Join(helloDir, "hello"), "./examples/hello")
		cmd.Dir = filepath.Join("..", "..", "extsdk")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			helloErr = fmt.Errorf("build extsdk/examples/hello: %v\n%s", err, out)
			return
		}
		manifest, err := os.ReadFile(filepath.Join("..", "..", "extsdk", "examples", "hello", "manifest.json"))
		if err != nil {
			helloErr = err
			return
		}
		helloErr = os.WriteFile(filepath.Join(helloDir, "manifest.json"), manifest, 0o644)
	})
	if helloErr != nil {
		t.Fatal(helloErr)
	}
	return helloDir
}

// keygen creates a signing key in dir and returns its path and public key.
func keygen(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	keyPath := filepath.Join(dir, name)
	out, err := exec.Command(tonearmBinary(t), "extension", "keygen", keyPath).Output()
	if err != nil {
		t.Fatalf("extension keygen: %v", err)
	}
	return keyPath, strings.TrimSpace(string(out))
}

// runFailing runs a CLI command that must exit with status 1 and returns
// its combined output.
func (in *instance) runFailing(args ...string) string {
	in.t.Helper()
	cmd := exec.Command(tonearmBinary(in.t), in.args(args...)...)
	cmd.Env = in.env()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		in.t.Fatalf("tonearm %v: err = %v, want exit status 1\n%s", args, err, out)
	}
	return string(out)
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// rpc calls a core method over the HTTP frontend and decodes its result
// into result, which may be nil. It returns the JSON-RPC error, if any.
func (in *instance) rpc(method string, params any, result any) *rpcError {
	in.t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		in.t.Fatal(err)
	}

	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Post(fmt.Sprintf("http://127.0.0.1:%d/mopidy/rpc", in.httpPort), "application/json", strings.NewReader(string(body)))
	if err != nil {
		in.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		in.t.Fatalf("%s: %v", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		in.t.Fatalf("%s: status %d: %s", method, resp.StatusCode, data)
	}

	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		in.t.Fatalf("%s: reply %s: %v", method, data, err)
	}
	if reply.Error != nil {
		return reply.Error
	}
	if result != nil {
		if err := json.Unmarshal(reply.Result, result); err != nil {
			in.t.Fatalf("%s: result %s: %v", method, reply.Result, err)
		}
	}
	return nil
}

type ref struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// browseHello waits until a browse of hello: returns refs, which shows
// that the extension runs, and returns them. It fails the test after 20 s.
func (in *instance) browseHello() []ref {
	in.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var refs []ref
		rerr := in.rpc("core.library.browse", map[string]any{"uri": "hello:"}, &refs)
		if rerr == nil && len(refs) > 0 {
			return refs
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("browse hello: still %+v, %d refs after 20 s:\n%s", rerr, len(refs), in.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// packHello packs the hello folder into dir/hello.tar.gz.
func (in *instance) packHello() string {
	in.t.Helper()
	pkgPath := filepath.Join(in.dir, "hello.tar.gz")
	in.run("extension", "pack", helloFolder(in.t), pkgPath)
	return pkgPath
}

func TestSignedExtensionServesTracks(t *testing.T) {
	keyDir := t.TempDir()
	keyPath, pub := keygen(t, keyDir, "signing.key")
	in := newInstance(t, "[extensions]\ntrusted_keys = "+pub+"\n[hello]\ngreeting = bonjour-from-config\n")
	pkgPath := in.packHello()
	in.run("extension", "sign", pkgPath, "--key", keyPath)
	if out := in.run("extension", "install", pkgPath); !strings.Contains(out, "installed hello 1.0.0, signed by key") {
		t.Errorf("install output:\n%s", out)
	}
	list := in.run("extension", "list")
	if !strings.Contains(list, "hello  1.0.0    key ") {
		t.Errorf("extension list does not show hello with its key:\n%s", list)
	}
	if !strings.Contains(list, "enabled") {
		t.Errorf("extension list does not show hello enabled:\n%s", list)
	}

	in.start()
	refs := in.browseHello()
	if len(refs) != 5 {
		t.Fatalf("browse hello: returned %d refs, want 5: %+v", len(refs), refs)
	}
	if refs[0].URI != "hello:track/1" {
		t.Errorf("first ref %s, want hello:track/1", refs[0].URI)
	}
	if refs[0].Type != "track" {
		t.Errorf("first ref type %q, want track", refs[0].Type)
	}
	var roots []ref
	if rerr := in.rpc("core.library.browse", map[string]any{"uri": nil}, &roots); rerr != nil {
		t.Fatalf("browse the root: %+v", rerr)
	}
	if !strings.Contains(fmt.Sprint(roots), "hello:") {
		t.Errorf("root refs %+v lack the hello: root", roots)
	}

	if rerr := in.rpc("core.tracklist.add", map[string]any{"uris": []string{"hello:track/2"}}, nil); rerr != nil {
		t.Fatalf("add hello:track/2: %+v", rerr)
	}
	if rerr := in.rpc("core.playback.play", map[string]any{}, nil); rerr != nil {
		t.Fatalf("play: %+v", rerr)
	}
	var state string
	deadline := time.Now().Add(10 * time.Second)
	for state != "playing" && time.Now().Before(deadline) {
		if rerr := in.rpc("core.playback.get_state", nil, &state); rerr != nil {
			t.Fatalf("get_state: %+v", rerr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if state != "playing" {
		t.Errorf("state = %q 10 s after play, want playing:\n%s", state, in.log.String())
	}
	var current struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	}
	if rerr := in.rpc("core.playback.get_current_track", nil, &current); rerr != nil {
		t.Fatalf("get_current_track: %+v", rerr)
	}
	if current.URI != "hello:track/2" {
		t.Errorf("current track URI %q, want hello:track/2", current.URI)
	}
	if current.Name != "Hello tone 2" {
		t.Errorf("current track name %q, want Hello tone 2", current.Name)
	}
	queue := in.mpd("playlistinfo", `search any "tone 4"`)
	if !strings.Contains(queue, "file: hello:track/2\n") {
		t.Errorf("MPD playlistinfo lacks the hello track:\n%s", queue)
	}
	if !strings.Contains(queue, "file: hello:track/4\n") {
		t.Errorf("MPD search lacks hello:track/4:\n%s", queue)
	}
	in.stop()

	logs := in.log.String()
	if !strings.Contains(logs, "bonjour-from-config: version 1.0.0 started") {
		t.Errorf("the extension did not log the greeting from its [hello] section:\n%s", logs)
	}
	if strings.Contains(logs, "[hello] ignored") {
		t.Errorf("the installed extension's section gave the unknown-section warning:\n%s", logs)
	}
	audit, err := os.ReadFile(filepath.Join(in.dir, "data", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(audit), `"kind":"extension_started","principal":"extension:hello"`) {
		t.Errorf("audit log lacks the extension start:\n%s", audit)
	}
}

func TestTamperedExtensionRejected(t *testing.T) {
	keyDir := t.TempDir()
	keyPath, pub := keygen(t, keyDir, "signing.key")
	otherKey, _ := keygen(t, keyDir, "other.key")
	in := newInstance(t, "[extensions]\ntrusted_keys = "+pub+"\n")
	pkgPath := in.packHello()
	in.run("extension", "sign", pkgPath, "--key", keyPath)

	data, err := os.ReadFile(pkgPath)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(pkgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := in.runFailing("extension", "install", pkgPath)
	if !strings.Contains(out, "signature does not match the package: it was changed after signing") {
		t.Errorf("install of a changed package:\n%s", out)
	}

	untrusted := in.packHello()
	in.run("extension", "sign", untrusted, "--key", otherKey)
	out = in.runFailing("extension", "install", untrusted)
	if !strings.Contains(out, "is not in [extensions] trusted_keys") {
		t.Errorf("install of a package signed by an untrusted key:\n%s", out)
	}

	if list := in.run("extension", "list"); strings.Contains(list, "hello") {
		t.Errorf("a rejected package was installed:\n%s", list)
	}
}

func TestUnsignedExtensionNeedsFlag(t *testing.T) {
	in := newInstance(t, "")
	pkgPath := in.packHello()
	out := in.runFailing("extension", "install", pkgPath)
	if !strings.Contains(out, "pass --allow-unsigned") {
		t.Errorf("install without a signature:\n%s", out)
	}
	if list := in.run("extension", "list"); strings.Contains(list, "hello") {
		t.Errorf("an unsigned package was installed without --allow-unsigned:\n%s", list)
	}

	out = in.run("extension", "install", pkgPath, "--allow-unsigned")
	if !strings.Contains(out, "installed hello 1.0.0 UNSIGNED") {
		t.Errorf("install --allow-unsigned:\n%s", out)
	}
	list := in.run("extension", "list")
	if !strings.Contains(list, "hello  1.0.0    UNSIGNED") {
		t.Errorf("extension list does not mark hello UNSIGNED:\n%s", list)
	}
	doctor := in.runFailing("doctor")
	if !strings.Contains(doctor, "INSECURE: extension hello is UNSIGNED") {
		t.Errorf("doctor does not report the unsigned extension:\n%s", doctor)
	}
	if !strings.Contains(doctor, "tonearm extension remove hello") {
		t.Errorf("doctor gives no fix for the unsigned extension:\n%s", doctor)
	}

	in.start()
	if refs := in.browseHello(); len(refs) != 5 {
		t.Errorf("browse hello: returned %d refs, want 5", len(refs))
	}
	in.stop()
	if !strings.Contains(in.log.String(), "extension is unsigned") {
		t.Errorf("the server did not warn about the unsigned extension:\n%s", in.log.String())
	}

	in.run("extension", "remove", "hello")
	if list := in.run("extension", "list"); strings.Contains(list, "hello") {
		t.Errorf("hello still listed after remove:\n%s", list)
	}
}

func TestDoctorReportsWeakLandlock(t *testing.T) {
	in := newInstance(t, "[extensions]\nallow_weak_landlock = true\n")
	doctor := in.runFailing("doctor")
	if !strings.Contains(doctor, "INSECURE: [extensions] allow_weak_landlock = true") {
		t.Errorf("doctor does not report allow_weak_landlock:\n%s", doctor)
	}
	if !strings.Contains(doctor, "fix: set [extensions] allow_weak_landlock = false") {
		t.Errorf("doctor gives no fix for allow_weak_landlock:\n%s", doctor)
	}
}

// TestBrokenExtensionKeepsServerUp installs an extension whose program
// cannot run: the server must start, serve and stop cleanly anyway.
func TestBrokenExtensionKeepsServerUp(t *testing.T) {
	in := newInstance(t, "")
	dir := filepath.Join(in.dir, "broken")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	manifest := `{"name": "broken", "version": "1.0.0", "executable": "broken", "schemes": ["broken"], "scopes": ["library:read"]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	pkgPath := filepath.Join(in.dir, "broken.tar.gz")
	in.run("extension", "pack", dir, pkgPath)
	in.run("extension", "install", pkgPath, "--allow-unsigned")

	in.start()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(in.log.String(), "extension_crashed") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(in.log.String(), "extension_crashed") {
		t.Errorf("no crash of the broken extension logged within 20 s:\n%s", in.log.String())
	}
	if status := in.mpd("status"); !strings.Contains(status, "state: stop") {
		t.Errorf("MPD status with a broken extension:\n%s", status)
	}
	// Core returns an empty browse result for a failed backend, as Mopidy
	// does, and logs a warning.
	var refs []ref
	if rerr := in.rpc("core.library.browse", map[string]any{"uri": "broken:"}, &refs); rerr != nil {
		t.Errorf("browse broken: %+v, want an empty result", rerr)
	}
	if len(refs) != 0 {
		t.Errorf("browse broken: = %+v, but the extension never ran", refs)
	}
	in.stop()
	if !strings.Contains(in.log.String(), `msg="library browse failed" component=core backend=ext.broken`) {
		t.Errorf("no browse failure of ext.broken logged:\n%s", in.log.String())
	}
}

// rewriteConfig replaces old with replacement in the instance's config file.
func (in *instance) rewriteConfig(old, replacement string) {
	in.t.Helper()
	data, err := os.ReadFile(in.config)
	if err != nil {
		in.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		in.t.Fatalf("config lacks %q:\n%s", old, data)
	}
	if err := os.WriteFile(in.config, []byte(strings.Replace(string(data), old, replacement, 1)), 0o600); err != nil {
		in.t.Fatal(err)
	}
}

func TestDisabledOrUntrustedExtensionSkipped(t *testing.T) {
	keyDir := t.TempDir()
	keyPath, pub := keygen(t, keyDir, "signing.key")
	_, otherPub := keygen(t, keyDir, "other.key")
	in := newInstance(t, "[extensions]\ntrusted_keys = "+pub+"\ndisabled = hello\n")
	pkgPath := in.packHello()
	in.run("extension", "sign", pkgPath, "--key", keyPath)
	in.run("extension", "install", pkgPath)

	in.start()
	var refs []ref
	if rerr := in.rpc("core.library.browse", map[string]any{"uri": "hello:"}, &refs); rerr != nil {
		t.Errorf("browse hello: with hello disabled: %+v", rerr)
	}
	if len(refs) != 0 {
		t.Errorf("browse hello: with hello disabled returned %+v", refs)
	}
	in.stop()
	if !strings.Contains(in.log.String(), `msg="extension disabled in the configuration" component=extension extension=hello`) {
		t.Errorf("the server did not log that hello is disabled:\n%s", in.log.String())
	}

	in.rewriteConfig("disabled = hello\n", "")
	in.rewriteConfig(pub, otherPub)
	if list := in.run("extension", "list"); !strings.Contains(list, "key not trusted") {
		t.Errorf("extension list does not show the key as untrusted:\n%s", list)
	}
	in.start()
	if rerr := in.rpc("core.library.browse", map[string]any{"uri": "hello:"}, &refs); rerr != nil {
		t.Errorf("browse hello: with its key untrusted: %+v", rerr)
	}
	if len(refs) != 0 {
		t.Errorf("browse hello: with its key untrusted returned %+v", refs)
	}
	in.stop()
	if !strings.Contains(in.log.String(), "its signing key is no longer in [extensions] trusted_keys") {
		t.Errorf("the server did not log the untrusted key:\n%s", in.log.String())
	}
	if strings.Contains(in.log.String(), "extension started") {
		t.Errorf("the server started an extension it must not run:\n%s", in.log.String())
	}
}
