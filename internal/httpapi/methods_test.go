package httpapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/jsonrpc"
)

// leftOut lists Mopidy 3.4 methods that the JSON-RPC API does not expose,
// each with the reason. It is empty: every Mopidy method is present.
var leftOut = map[string]string{}

// additions lists methods that Mopidy 3.4 lacks.
var additions = map[string]string{
	"core.tracklist.get_changes": "tracklist changes since a version, for MPD's plchanges",
}

func newCoreDispatcher(t *testing.T) *jsonrpc.Dispatcher {
	t.Helper()
	player := audiotest.New(audiotest.Options{})
	c, err := core.New(core.Options{Player: player, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d, err := NewDispatcher(c, jsonrpc.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDescribeMatchesMopidy(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "mopidy-describe.json"))
	if err != nil {
		t.Fatalf("%v: record it with scripts/record-mopidy-describe.sh", err)
	}
	var mopidy map[string]struct {
		Params []map[string]any `json:"params"`
	}
	if err := json.Unmarshal(data, &mopidy); err != nil {
		t.Fatal(err)
	}
	if len(mopidy) < 60 {
		t.Fatalf("golden file lists only %d methods", len(mopidy))
	}

	d := newCoreDispatcher(t)
	raw, err := json.Marshal(d.Describe())
	if err != nil {
		t.Fatal(err)
	}
	var ours map[string]struct {
		Params []map[string]any `json:"params"`
	}
	if err := json.Unmarshal(raw, &ours); err != nil {
		t.Fatal(err)
	}

	for name, want := range mopidy {
		got, ok := ours[name]
		if !ok {
			if _, explained := leftOut[name]; !explained {
				t.Errorf("Mopidy method %s is missing and not listed as left out", name)
			}
			continue
		}
		if !reflect.DeepEqual(got.Params, want.Params) {
			t.Errorf("%s params = %v, Mopidy has %v", name, got.Params, want.Params)
		}
	}
	for name := range ours {
		if _, ok := mopidy[name]; !ok {
			if _, listed := additions[name]; !listed {
				t.Errorf("%s is not a Mopidy 3.4 method and not listed as an addition", name)
			}
		}
	}
	if _, ok := ours["core.describe"]; ok {
		t.Error("core.describe lists itself; Mopidy 3.4 does not")
	}
}

func TestEveryMethodHasScope(t *testing.T) {
	for _, b := range bindings() {
		if _, ok := core.ScopeOf(b.name); !ok {
			t.Errorf("%s has no scope", b.name)
		}
		if strings.Contains(b.name, "._") {
			t.Errorf("%s is private", b.name)
		}
	}
}

func TestCoreCallsCheckScopes(t *testing.T) {
	d := newCoreDispatcher(t)
	reader := scope.Principal{Kind: scope.KindToken, ID: "reader", Scopes: scope.NewSet(scope.PlaybackRead)}
	ctx := WithPrincipal(context.Background(), reader)

	out := string(d.Handle(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"core.mixer.get_volume"}`)))
	if !strings.Contains(out, `"result":100`) {
		t.Errorf("get_volume with playback:read = %s", out)
	}
	out = string(d.Handle(ctx, []byte(`{"jsonrpc":"2.0","id":2,"method":"core.mixer.set_volume","params":[5]}`)))
	if !strings.Contains(out, "PermissionError") || !strings.Contains(out, "playback:control") {
		t.Errorf("set_volume without playback:control = %s", out)
	}
	out = string(d.Handle(context.Background(), []byte(`{"jsonrpc":"2.0","id":3,"method":"core.mixer.get_volume"}`)))
	if !strings.Contains(out, "PermissionError") {
		t.Errorf("call without a principal = %s", out)
	}
}

func TestValidationErrorIsPublic(t *testing.T) {
	d := newCoreDispatcher(t)
	ctx := WithPrincipal(context.Background(), scope.Local("test"))
	out := string(d.Handle(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"core.tracklist.move","params":[3,9,0]}`)))
	if !strings.Contains(out, "ValidationError") {
		t.Errorf("bad move = %s", out)
	}
	out = string(d.Handle(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"core.playback.seek","params":["soon"]}`)))
	if !strings.Contains(out, "ValidationError") || !strings.Contains(out, "time_position") {
		t.Errorf("seek with a string = %s", out)
	}
}
