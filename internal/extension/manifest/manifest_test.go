package manifest

import (
	"strings"
	"testing"
)

const good = `{
  "name": "hello",
  "version": "1.0.0",
  "executable": "bin/hello",
  "schemes": ["hello"],
  "scopes": ["library:read", "events:playback"],
  "paths": {"read_only": ["/srv/music"], "read_write": ["/var/cache/hello"]},
  "hosts": ["api.example.com:443", "127.0.0.1:8080"],
  "events": ["track_playback_started", "ext.other.thing"]
}`

func TestParseGood(t *testing.T) {
	m, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if m.Limits.MemoryMiB != DefaultMemoryMiB || m.Limits.OpenFiles != DefaultOpenFiles || m.Limits.CPUSeconds != DefaultCPUSeconds {
		t.Errorf("default limits not filled in: %+v", m.Limits)
	}
	if got := m.Ports(); len(got) != 2 || got[0] != 443 || got[1] != 8080 {
		t.Errorf("Ports() = %v, want [443 8080]", got)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"unknown key":       `"extra": 1`,
		"bad name":          `"name": "Hello"`,
		"absolute exe":      `"executable": "/bin/sh"`,
		"escaping exe":      `"executable": "../hello"`,
		"manifest as exe":   `"executable": "manifest.json"`,
		"reserved scheme":   `"schemes": ["file"]`,
		"bad scheme":        `"schemes": ["Hello:"]`,
		"twice scheme":      `"schemes": ["a", "a"]`,
		"unknown scope":     `"scopes": ["everything"]`,
		"relative path":     `"paths": {"read_only": ["music"]}`,
		"root path":         `"paths": {"read_write": ["/"]}`,
		"unclean path":      `"paths": {"read_only": ["/srv/../etc"]}`,
		"host without port": `"hosts": ["example.com"]`,
		"port zero":         `"hosts": ["example.com:0"]`,
		"memory too big":    `"limits": {"memory_mib": 100000}`,
		"memory too small":  `"limits": {"memory_mib": 1}`,
		"unknown event":     `"events": ["everything"]`,
		"bad ext event":     `"events": ["ext.a"]`,
		"bad version":       `"version": "1 0"`,
	}
	for name, field := range cases {
		doc := withField(field)
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted:\n%s", name, doc)
		}
	}
	for _, field := range []string{`"version": "2.0.0-rc.1"`, `"limits": {"memory_mib": 512}`, `"hosts": ["[::1]:80"]`} {
		if _, err := Parse([]byte(withField(field))); err != nil {
			t.Errorf("valid field %s rejected: %v", field, err)
		}
	}
}

// withField returns the good manifest with field replacing the line of
// the same key, or added when no line has that key.
func withField(field string) string {
	key := field[1 : strings.Index(field[1:], `"`)+1]
	var lines []string
	replaced := false
	for _, line := range strings.Split(good, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), `"`+key+`"`) {
			line = "  " + field
			if key != "events" {
				line += ","
			}
			replaced = true
		}
		lines = append(lines, line)
	}
	if !replaced {
		return strings.Replace(good, "{", "{\n  "+field+",", 1)
	}
	return strings.Join(lines, "\n")
}

func TestParseSizeLimits(t *testing.T) {
	if _, err := Parse([]byte(strings.Repeat(" ", MaxSize+1))); err == nil {
		t.Error("manifest over MaxSize accepted")
	}
	many := `{"name":"a","version":"1","executable":"a","scopes":[` + strings.Repeat(`"library:read",`, 40) + `"library:read"]}`
	if _, err := Parse([]byte(many)); err == nil {
		t.Error("41 scopes accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"name":"a","version":"1","executable":"a"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Parse accepted a manifest that Validate rejects: %v", err)
		}
		if len(m.Schemes) > maxSchemes || len(m.Scopes) > maxScopes || len(m.Hosts) > maxHosts {
			t.Fatalf("counts over their bounds: %+v", m)
		}
		if strings.HasPrefix(m.Executable, "/") || strings.Contains("/"+m.Executable+"/", "/../") {
			t.Fatalf("executable %q escapes the package", m.Executable)
		}
	})
}
