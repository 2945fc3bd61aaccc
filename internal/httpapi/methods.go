package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/jsonrpc"
	"github.com/tonearm/tonearm/internal/models"
)

// publicError is an error whose message the caller may see.
type publicError struct {
	kind string
	err  error
}

func (e publicError) Error() string  { return e.err.Error() }
func (e publicError) Kind() string   { return e.kind }
func (e publicError) Public() string { return e.err.Error() }
func (e publicError) Unwrap() error  { return e.err }

// toPublic maps core's errors onto Mopidy's exception names. Errors it
// does not know stay private, so their text reaches only the log.
func toPublic(err error) error {
	if err == nil {
		// Returning before perm is declared saves its heap allocation,
		// which errors.As would otherwise force on every call.
		return nil
	}
	var perm *core.PermissionError
	switch {
	case errors.As(err, &perm):
		return publicError{"PermissionError", fmt.Errorf("permission denied: %s needs scope %s", perm.Method, perm.Scope)}
	case errors.Is(err, core.ErrPermission):
		return publicError{"PermissionError", core.ErrPermission}
	case errors.Is(err, core.ErrTracklistFull):
		return publicError{"TracklistFull", err}
	case errors.Is(err, core.ErrInvalid):
		return publicError{"ValidationError", err}
	case errors.Is(err, backend.ErrNotFound):
		return publicError{"LookupError", err}
	}
	return err
}

// decode unmarshals one argument; JSON null leaves v at its zero value.
// The error names the argument and the expected kind of value, never the
// decoder's own message, which names Go types.
func decode(raw json.RawMessage, name string, v any) error {
	if string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return publicError{"ValidationError", fmt.Errorf("argument %s: invalid value, expected %s", name, expectedKind(v))}
	}
	return nil
}

// expectedKind describes the JSON value that v decodes from.
func expectedKind(v any) string {
	switch v.(type) {
	case *int, **int:
		return "an integer"
	case *bool:
		return "true or false"
	case *string, **string:
		return "a string"
	case *[]string:
		return "a list of strings"
	case *[]models.Track:
		return "a list of Track models"
	case **models.TlTrack:
		return "a TlTrack model"
	case *models.Playlist:
		return "a Playlist model"
	case *models.Query, *core.Criteria:
		return "an object of lists"
	}
	return "a value of another type"
}

// binding is one method of the table: its name, parameters as Mopidy 3.4
// declares them, and the call on a guarded core.
type binding struct {
	name   string
	params []jsonrpc.Param
	call   func(ctx context.Context, api core.API, args []json.RawMessage) (any, error)
}

var (
	null  = json.RawMessage("null")
	falsy = json.RawMessage("false")
)

func required(name string) jsonrpc.Param { return jsonrpc.Param{Name: name} }
func optional(name string) jsonrpc.Param { return jsonrpc.Param{Name: name, Default: null} }

// noArgs adapts a call that takes no argument.
func noArgs[T any](f func(ctx context.Context, api core.API) (T, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
	return func(ctx context.Context, api core.API, _ []json.RawMessage) (any, error) {
		return f(ctx, api)
	}
}

// oneArg adapts a call that takes one decoded argument.
func oneArg[A, T any](name string, f func(ctx context.Context, api core.API, a A) (T, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
	return func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
		var a A
		if err := decode(args[0], name, &a); err != nil {
			return nil, err
		}
		return f(ctx, api, a)
	}
}

// none is the result of methods that return nothing.
type none = *struct{}

func done(err error) (none, error) { return nil, err }

// bindings lists every core method that the JSON-RPC API exposes, with
// Mopidy 3.4's names and parameters.
func bindings() []binding {
	return append(append(append(rootAndLibraryBindings(), playbackBindings()...), tracklistBindings()...), playlistAndMixerBindings()...)
}

func rootAndLibraryBindings() []binding {
	return []binding{
		{"core.get_uri_schemes", nil, noArgs(func(ctx context.Context, api core.API) ([]string, error) { return api.GetURISchemes(ctx) })},
		{"core.get_version", nil, noArgs(func(ctx context.Context, api core.API) (string, error) { return api.GetVersion(ctx) })},
		{"core.history.get_history", nil, noArgs(func(ctx context.Context, api core.API) ([]core.HistoryEntry, error) {
			return api.History().GetHistory(ctx)
		})},
		{"core.history.get_length", nil, noArgs(func(ctx context.Context, api core.API) (int, error) { return api.History().GetLength(ctx) })},
		{"core.library.browse", []jsonrpc.Param{required("uri")}, oneArg("uri", func(ctx context.Context, api core.API, uri *string) ([]models.Ref, error) {
			return api.Library().Browse(ctx, uri)
		})},
		{"core.library.search", []jsonrpc.Param{optional("query"), optional("uris"), {Name: "exact", Default: falsy}},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var query models.Query
				var uris []string
				var exact bool
				if err := decode(args[0], "query", &query); err != nil {
					return nil, err
				}
				if err := decode(args[1], "uris", &uris); err != nil {
					return nil, err
				}
				if err := decode(args[2], "exact", &exact); err != nil {
					return nil, err
				}
				return api.Library().Search(ctx, query, uris, exact)
			}},
		{"core.library.lookup", []jsonrpc.Param{required("uris")}, oneArg("uris", func(ctx context.Context, api core.API, uris []string) (map[string][]models.Track, error) {
			return api.Library().Lookup(ctx, uris)
		})},
		{"core.library.refresh", []jsonrpc.Param{optional("uri")}, oneArg("uri", func(ctx context.Context, api core.API, uri *string) (none, error) {
			return done(api.Library().Refresh(ctx, uri))
		})},
		{"core.library.get_images", []jsonrpc.Param{required("uris")}, oneArg("uris", func(ctx context.Context, api core.API, uris []string) (map[string][]models.Image, error) {
			return api.Library().GetImages(ctx, uris)
		})},
		{"core.library.get_distinct", []jsonrpc.Param{required("field"), optional("query")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var field string
				var query models.Query
				if err := decode(args[0], "field", &field); err != nil {
					return nil, err
				}
				if err := decode(args[1], "query", &query); err != nil {
					return nil, err
				}
				return api.Library().GetDistinct(ctx, field, query)
			}},
	}
}

func playbackBindings() []binding {
	pb := func(api core.API) core.Playback { return api.Playback() }
	return []binding{
		{"core.playback.get_current_tl_track", nil, noArgs(func(ctx context.Context, api core.API) (*models.TlTrack, error) {
			return pb(api).GetCurrentTlTrack(ctx)
		})},
		{"core.playback.get_current_tlid", nil, noArgs(func(ctx context.Context, api core.API) (*int, error) { return pb(api).GetCurrentTlid(ctx) })},
		{"core.playback.get_current_track", nil, noArgs(func(ctx context.Context, api core.API) (*models.Track, error) {
			return pb(api).GetCurrentTrack(ctx)
		})},
		{"core.playback.get_state", nil, noArgs(func(ctx context.Context, api core.API) (core.State, error) { return pb(api).GetState(ctx) })},
		{"core.playback.get_stream_title", nil, noArgs(func(ctx context.Context, api core.API) (*string, error) { return pb(api).GetStreamTitle(ctx) })},
		{"core.playback.get_time_position", nil, noArgs(func(ctx context.Context, api core.API) (int, error) { return pb(api).GetTimePosition(ctx) })},
		{"core.playback.next", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(pb(api).Next(ctx)) })},
		{"core.playback.pause", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(pb(api).Pause(ctx)) })},
		{"core.playback.play", []jsonrpc.Param{optional("tl_track"), optional("tlid")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var tl *models.TlTrack
				var tlid *int
				if err := decode(args[0], "tl_track", &tl); err != nil {
					return nil, err
				}
				if err := decode(args[1], "tlid", &tlid); err != nil {
					return nil, err
				}
				return done(pb(api).Play(ctx, tl, tlid))
			}},
		{"core.playback.previous", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(pb(api).Previous(ctx)) })},
		{"core.playback.resume", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(pb(api).Resume(ctx)) })},
		{"core.playback.seek", []jsonrpc.Param{required("time_position")}, oneArg("time_position", func(ctx context.Context, api core.API, ms int) (bool, error) {
			return pb(api).Seek(ctx, ms)
		})},
		{"core.playback.set_state", []jsonrpc.Param{required("new_state")}, oneArg("new_state", func(ctx context.Context, api core.API, s string) (none, error) {
			state, err := core.ParseState(s)
			if err != nil {
				return nil, err
			}
			return done(pb(api).SetState(ctx, state))
		})},
		{"core.playback.stop", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(pb(api).Stop(ctx)) })},
	}
}

func tracklistBindings() []binding {
	tl := func(api core.API) core.Tracklist { return api.Tracklist() }
	boolGetter := func(f func(core.Tracklist, context.Context) (bool, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
		return noArgs(func(ctx context.Context, api core.API) (bool, error) { return f(tl(api), ctx) })
	}
	boolSetter := func(f func(core.Tracklist, context.Context, bool) error) func(context.Context, core.API, []json.RawMessage) (any, error) {
		return oneArg("value", func(ctx context.Context, api core.API, v bool) (none, error) { return done(f(tl(api), ctx, v)) })
	}
	tlidGetter := func(f func(core.Tracklist, context.Context) (*int, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
		return noArgs(func(ctx context.Context, api core.API) (*int, error) { return f(tl(api), ctx) })
	}
	trackStep := func(f func(core.Tracklist, context.Context, *models.TlTrack) (*models.TlTrack, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
		return oneArg("tl_track", func(ctx context.Context, api core.API, t *models.TlTrack) (*models.TlTrack, error) {
			return f(tl(api), ctx, t)
		})
	}
	criteria := func(f func(core.Tracklist, context.Context, core.Criteria) ([]models.TlTrack, error)) func(context.Context, core.API, []json.RawMessage) (any, error) {
		return oneArg("criteria", func(ctx context.Context, api core.API, c core.Criteria) ([]models.TlTrack, error) {
			return f(tl(api), ctx, c)
		})
	}
	return []binding{
		{"core.tracklist.add", []jsonrpc.Param{optional("tracks"), optional("at_position"), optional("uris")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var tracks []models.Track
				var at *int
				var uris []string
				if err := decode(args[0], "tracks", &tracks); err != nil {
					return nil, err
				}
				if err := decode(args[1], "at_position", &at); err != nil {
					return nil, err
				}
				if err := decode(args[2], "uris", &uris); err != nil {
					return nil, err
				}
				return tl(api).Add(ctx, tracks, at, uris)
			}},
		{"core.tracklist.clear", nil, noArgs(func(ctx context.Context, api core.API) (none, error) { return done(tl(api).Clear(ctx)) })},
		{"core.tracklist.eot_track", []jsonrpc.Param{required("tl_track")}, trackStep(core.Tracklist.EotTrack)},
		{"core.tracklist.filter", []jsonrpc.Param{optional("criteria")}, criteria(core.Tracklist.Filter)},
		{"core.tracklist.get_consume", nil, boolGetter(core.Tracklist.GetConsume)},
		{"core.tracklist.get_eot_tlid", nil, tlidGetter(core.Tracklist.GetEotTlid)},
		{"core.tracklist.get_length", nil, noArgs(func(ctx context.Context, api core.API) (int, error) { return tl(api).GetLength(ctx) })},
		{"core.tracklist.get_next_tlid", nil, tlidGetter(core.Tracklist.GetNextTlid)},
		{"core.tracklist.get_previous_tlid", nil, tlidGetter(core.Tracklist.GetPreviousTlid)},
		{"core.tracklist.get_random", nil, boolGetter(core.Tracklist.GetRandom)},
		{"core.tracklist.get_repeat", nil, boolGetter(core.Tracklist.GetRepeat)},
		{"core.tracklist.get_single", nil, boolGetter(core.Tracklist.GetSingle)},
		{"core.tracklist.get_tl_tracks", nil, noArgs(func(ctx context.Context, api core.API) ([]models.TlTrack, error) { return tl(api).GetTlTracks(ctx) })},
		{"core.tracklist.get_tracks", nil, noArgs(func(ctx context.Context, api core.API) ([]models.Track, error) { return tl(api).GetTracks(ctx) })},
		{"core.tracklist.get_version", nil, noArgs(func(ctx context.Context, api core.API) (int, error) { return tl(api).GetVersion(ctx) })},
		{"core.tracklist.index", []jsonrpc.Param{optional("tl_track"), optional("tlid")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var t *models.TlTrack
				var tlid *int
				if err := decode(args[0], "tl_track", &t); err != nil {
					return nil, err
				}
				if err := decode(args[1], "tlid", &tlid); err != nil {
					return nil, err
				}
				return tl(api).Index(ctx, t, tlid)
			}},
		{"core.tracklist.move", []jsonrpc.Param{required("start"), required("end"), required("to_position")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var start, end, to int
				for i, p := range []*int{&start, &end, &to} {
					if err := decode(args[i], []string{"start", "end", "to_position"}[i], p); err != nil {
						return nil, err
					}
				}
				return done(tl(api).Move(ctx, start, end, to))
			}},
		{"core.tracklist.next_track", []jsonrpc.Param{required("tl_track")}, trackStep(core.Tracklist.NextTrack)},
		{"core.tracklist.previous_track", []jsonrpc.Param{required("tl_track")}, trackStep(core.Tracklist.PreviousTrack)},
		{"core.tracklist.remove", []jsonrpc.Param{required("criteria")}, criteria(core.Tracklist.Remove)},
		{"core.tracklist.set_consume", []jsonrpc.Param{required("value")}, boolSetter(core.Tracklist.SetConsume)},
		{"core.tracklist.set_random", []jsonrpc.Param{required("value")}, boolSetter(core.Tracklist.SetRandom)},
		{"core.tracklist.set_repeat", []jsonrpc.Param{required("value")}, boolSetter(core.Tracklist.SetRepeat)},
		{"core.tracklist.set_single", []jsonrpc.Param{required("value")}, boolSetter(core.Tracklist.SetSingle)},
		{"core.tracklist.shuffle", []jsonrpc.Param{optional("start"), optional("end")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var start, end *int
				if err := decode(args[0], "start", &start); err != nil {
					return nil, err
				}
				if err := decode(args[1], "end", &end); err != nil {
					return nil, err
				}
				return done(tl(api).Shuffle(ctx, start, end))
			}},
		{"core.tracklist.slice", []jsonrpc.Param{required("start"), required("end")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var start, end int
				if err := decode(args[0], "start", &start); err != nil {
					return nil, err
				}
				if err := decode(args[1], "end", &end); err != nil {
					return nil, err
				}
				return tl(api).Slice(ctx, start, end)
			}},
	}
}

func playlistAndMixerBindings() []binding {
	pl := func(api core.API) core.Playlists { return api.Playlists() }
	mx := func(api core.API) core.Mixer { return api.Mixer() }
	return []binding{
		{"core.playlists.as_list", nil, noArgs(func(ctx context.Context, api core.API) ([]models.Ref, error) { return pl(api).AsList(ctx) })},
		{"core.playlists.create", []jsonrpc.Param{required("name"), optional("uri_scheme")},
			func(ctx context.Context, api core.API, args []json.RawMessage) (any, error) {
				var name string
				var scheme *string
				if err := decode(args[0], "name", &name); err != nil {
					return nil, err
				}
				if err := decode(args[1], "uri_scheme", &scheme); err != nil {
					return nil, err
				}
				return pl(api).Create(ctx, name, scheme)
			}},
		{"core.playlists.delete", []jsonrpc.Param{required("uri")}, oneArg("uri", func(ctx context.Context, api core.API, uri string) (bool, error) {
			return pl(api).Delete(ctx, uri)
		})},
		{"core.playlists.get_items", []jsonrpc.Param{required("uri")}, oneArg("uri", func(ctx context.Context, api core.API, uri string) ([]models.Ref, error) {
			return pl(api).GetItems(ctx, uri)
		})},
		{"core.playlists.get_uri_schemes", nil, noArgs(func(ctx context.Context, api core.API) ([]string, error) { return pl(api).GetURISchemes(ctx) })},
		{"core.playlists.lookup", []jsonrpc.Param{required("uri")}, oneArg("uri", func(ctx context.Context, api core.API, uri string) (*models.Playlist, error) {
			return pl(api).Lookup(ctx, uri)
		})},
		{"core.playlists.refresh", []jsonrpc.Param{optional("uri_scheme")}, oneArg("uri_scheme", func(ctx context.Context, api core.API, s *string) (none, error) {
			return done(pl(api).Refresh(ctx, s))
		})},
		{"core.playlists.save", []jsonrpc.Param{required("playlist")}, oneArg("playlist", func(ctx context.Context, api core.API, p models.Playlist) (*models.Playlist, error) {
			return pl(api).Save(ctx, p)
		})},
		{"core.mixer.get_mute", nil, noArgs(func(ctx context.Context, api core.API) (*bool, error) { return mx(api).GetMute(ctx) })},
		{"core.mixer.get_volume", nil, noArgs(func(ctx context.Context, api core.API) (*int, error) { return mx(api).GetVolume(ctx) })},
		{"core.mixer.set_mute", []jsonrpc.Param{required("mute")}, oneArg("mute", func(ctx context.Context, api core.API, m bool) (bool, error) {
			return mx(api).SetMute(ctx, m)
		})},
		{"core.mixer.set_volume", []jsonrpc.Param{required("volume")}, oneArg("volume", func(ctx context.Context, api core.API, v int) (bool, error) {
			return mx(api).SetVolume(ctx, v)
		})},
	}
}

// CoreMethods returns the JSON-RPC table over api, with the names,
// parameters, defaults and descriptions of core.Methods. Each call runs
// through core.Guard with the principal the frontend stored in the
// context, so a caller without the method's scope gets a PermissionError.
func CoreMethods(api core.API) ([]jsonrpc.Method, error) {
	return coreMethods(api, nil)
}

// coreMethods is CoreMethods with a hook that sees every denied call.
func coreMethods(api core.API, onDenied func(*core.PermissionError)) ([]jsonrpc.Method, error) {
	info := make(map[string]core.Method)
	for _, m := range core.Methods() {
		info[m.Name] = m
	}
	var out []jsonrpc.Method
	for _, b := range bindings() {
		m, ok := info[b.name]
		if !ok {
			return nil, fmt.Errorf("httpapi: %s is not a core method", b.name)
		}
		params, err := describeParams(m, b)
		if err != nil {
			return nil, err
		}
		call := b.call
		out = append(out, jsonrpc.Method{
			Name:        b.name,
			Description: m.Description,
			Params:      params,
			Call: func(ctx context.Context, args []json.RawMessage) (any, error) {
				p, ok := PrincipalFrom(ctx)
				if !ok {
					return nil, publicError{"PermissionError", core.ErrPermission}
				}
				guarded := core.NewGuard(api, p, core.GuardOptions{OnDenied: onDenied})
				result, err := call(ctx, guarded, args)
				return result, toPublic(err)
			},
		})
	}
	return out, nil
}

// describeParams turns core's parameter list into JSON-RPC parameters and
// checks that it matches the binding's decoding order.
func describeParams(m core.Method, b binding) ([]jsonrpc.Param, error) {
	if len(m.Params) != len(b.params) {
		return nil, fmt.Errorf("httpapi: %s has %d parameters in core and %d in the binding", m.Name, len(m.Params), len(b.params))
	}
	out := make([]jsonrpc.Param, len(m.Params))
	for i, p := range m.Params {
		if p.Name != b.params[i].Name {
			return nil, fmt.Errorf("httpapi: %s parameter %d is %q in core and %q in the binding", m.Name, i, p.Name, b.params[i].Name)
		}
		out[i] = jsonrpc.Param{Name: p.Name}
		if p.HasDefault {
			def, err := json.Marshal(p.Default)
			if err != nil {
				return nil, err
			}
			out[i].Default = def
		}
	}
	return out, nil
}

// NewDispatcher returns the dispatcher of the core.* table plus
// core.describe, which lists every method but itself. Every call denied
// for a missing scope is written to al (which may be nil).
func NewDispatcher(api core.API, opts jsonrpc.Options, al *audit.Log) (*jsonrpc.Dispatcher, error) {
	var d *jsonrpc.Dispatcher
	methods, err := coreMethods(api, func(e *core.PermissionError) {
		al.Record(context.Background(), audit.Event{Kind: audit.PermissionDenied, Principal: e.Principal,
			Detail: e.Method + " needs scope " + string(e.Scope)})
	})
	if err != nil {
		return nil, err
	}
	methods = append(methods, jsonrpc.Method{
		Name:   "core.describe",
		Hidden: true,
		Call: func(ctx context.Context, _ []json.RawMessage) (any, error) {
			return d.Describe(), nil
		},
	})
	d, err = jsonrpc.New(methods, opts)
	return d, err
}
