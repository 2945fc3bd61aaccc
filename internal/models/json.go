package models

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// modelKey is the JSON key that names a model's type.
const modelKey = "__model__"

// marshalModel encodes v (a pointer to an alias type without methods) and
// puts the "__model__" key first.
func marshalModel(name string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + len(name) + 16)
	buf.WriteString(`{"` + modelKey + `":"` + name + `"`)
	if len(body) > 2 {
		buf.WriteByte(',')
		buf.Write(body[1:])
	} else {
		buf.WriteByte('}')
	}
	return buf.Bytes(), nil
}

// unmarshalModel decodes data into v (a pointer to an alias type), checks
// that "__model__", if present, names the expected model, and rejects
// unknown fields as Mopidy 3.4 does.
func unmarshalModel(name string, data []byte, v any) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("invalid %s: %w", name, err)
	}
	if raw, ok := probe[modelKey]; ok {
		var got string
		if err := json.Unmarshal(raw, &got); err != nil || got != name {
			return fmt.Errorf("invalid %s: %s is %s, expected %q", name, modelKey, raw, name)
		}
		delete(probe, modelKey)
		var err error
		if data, err = json.Marshal(probe); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid %s: %w", name, err)
	}
	return nil
}

type (
	refJSON          Ref
	imageJSON        Image
	artistJSON       Artist
	albumJSON        Album
	trackJSON        Track
	tlTrackJSON      TlTrack
	playlistJSON     Playlist
	searchResultJSON SearchResult
)

// MarshalJSON encodes r in Mopidy's model form.
func (r Ref) MarshalJSON() ([]byte, error) { return marshalModel("Ref", refJSON(r)) }

// UnmarshalJSON decodes r from Mopidy's model form.
func (r *Ref) UnmarshalJSON(b []byte) error { return unmarshalModel("Ref", b, (*refJSON)(r)) }

// MarshalJSON encodes i in Mopidy's model form.
func (i Image) MarshalJSON() ([]byte, error) { return marshalModel("Image", imageJSON(i)) }

// UnmarshalJSON decodes i from Mopidy's model form.
func (i *Image) UnmarshalJSON(b []byte) error { return unmarshalModel("Image", b, (*imageJSON)(i)) }

// MarshalJSON encodes a in Mopidy's model form.
func (a Artist) MarshalJSON() ([]byte, error) { return marshalModel("Artist", artistJSON(a)) }

// UnmarshalJSON decodes a from Mopidy's model form.
func (a *Artist) UnmarshalJSON(b []byte) error {
	return unmarshalModel("Artist", b, (*artistJSON)(a))
}

// MarshalJSON encodes a in Mopidy's model form.
func (a Album) MarshalJSON() ([]byte, error) { return marshalModel("Album", albumJSON(a)) }

// UnmarshalJSON decodes a from Mopidy's model form.
func (a *Album) UnmarshalJSON(b []byte) error { return unmarshalModel("Album", b, (*albumJSON)(a)) }

// MarshalJSON encodes t in Mopidy's model form.
func (t Track) MarshalJSON() ([]byte, error) { return marshalModel("Track", trackJSON(t)) }

// UnmarshalJSON decodes t from Mopidy's model form.
func (t *Track) UnmarshalJSON(b []byte) error { return unmarshalModel("Track", b, (*trackJSON)(t)) }

// MarshalJSON encodes t in Mopidy's model form.
func (t TlTrack) MarshalJSON() ([]byte, error) { return marshalModel("TlTrack", tlTrackJSON(t)) }

// UnmarshalJSON decodes t from Mopidy's model form.
func (t *TlTrack) UnmarshalJSON(b []byte) error {
	return unmarshalModel("TlTrack", b, (*tlTrackJSON)(t))
}

// MarshalJSON encodes p in Mopidy's model form.
func (p Playlist) MarshalJSON() ([]byte, error) {
	return marshalModel("Playlist", playlistJSON(p))
}

// UnmarshalJSON decodes p from Mopidy's model form.
func (p *Playlist) UnmarshalJSON(b []byte) error {
	return unmarshalModel("Playlist", b, (*playlistJSON)(p))
}

// MarshalJSON encodes s in Mopidy's model form.
func (s SearchResult) MarshalJSON() ([]byte, error) {
	return marshalModel("SearchResult", searchResultJSON(s))
}

// UnmarshalJSON decodes s from Mopidy's model form.
func (s *SearchResult) UnmarshalJSON(b []byte) error {
	return unmarshalModel("SearchResult", b, (*searchResultJSON)(s))
}
