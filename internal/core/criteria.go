package core

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tonearm/tonearm/internal/models"
)

// Criteria selects tracklist entries for Remove and Filter, as Mopidy
// 3.4's tracklist criteria do: an entry matches when, for every field that
// is not nil, it equals one of the field's values (OR within a field, AND
// across fields). Empty criteria match every entry.
type Criteria struct {
	TLID          []int
	URI           []string
	Name          []string
	Genre         []string
	Date          []string
	Comment       []string
	MusicBrainzID []string
}

// maxCriteriaValues bounds the values of one criteria field.
const maxCriteriaValues = 10000

// UnmarshalJSON decodes Mopidy's form {"tlid": [1, 2], "uri": ["..."]}.
func (c *Criteria) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("criteria must be an object of lists: %w", ErrInvalid)
	}
	*c = Criteria{}
	for field, value := range raw {
		var err error
		switch field {
		case "tlid":
			err = json.Unmarshal(value, &c.TLID)
		case "uri":
			err = json.Unmarshal(value, &c.URI)
		case "name":
			err = json.Unmarshal(value, &c.Name)
		case "genre":
			err = json.Unmarshal(value, &c.Genre)
		case "date":
			err = json.Unmarshal(value, &c.Date)
		case "comment":
			err = json.Unmarshal(value, &c.Comment)
		case "musicbrainz_id":
			err = json.Unmarshal(value, &c.MusicBrainzID)
		default:
			return invalidf("criteria field %q: use tlid, uri, name, genre, date, comment or musicbrainz_id", field)
		}
		if err != nil {
			return invalidf("criteria field %q must be a list of %s", field, map[bool]string{true: "integers", false: "strings"}[field == "tlid"])
		}
	}
	return c.validate()
}

// MarshalJSON encodes c in Mopidy's form. It leaves out nil fields and an
// empty tlid list, which match every entry, but keeps the other empty
// lists, which match none.
func (c Criteria) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	add := func(name string, values []string) {
		if values != nil {
			out[name] = values
		}
	}
	if len(c.TLID) > 0 {
		out["tlid"] = c.TLID
	}
	add("uri", c.URI)
	add("name", c.Name)
	add("genre", c.Genre)
	add("date", c.Date)
	add("comment", c.Comment)
	add("musicbrainz_id", c.MusicBrainzID)
	return json.Marshal(out)
}

func (c Criteria) validate() error {
	for _, n := range []int{len(c.TLID), len(c.URI), len(c.Name), len(c.Genre),
		len(c.Date), len(c.Comment), len(c.MusicBrainzID)} {
		if n > maxCriteriaValues {
			return invalidf("criteria field has %d values, more than %d", n, maxCriteriaValues)
		}
	}
	return nil
}

// Match reports whether tl matches the criteria.
func (c Criteria) Match(tl models.TlTrack) bool {
	var t models.Track
	if tl.Track != nil {
		t = *tl.Track
	}
	// As in Mopidy 3.4, an empty tlid list matches every entry, but an
	// empty list of another field matches none.
	return (len(c.TLID) == 0 || slices.Contains(c.TLID, tl.TLID)) &&
		matchField(c.URI, t.URI) &&
		matchField(c.Name, t.Name) &&
		matchField(c.Genre, t.Genre) &&
		matchField(c.Date, t.Date) &&
		matchField(c.Comment, t.Comment) &&
		matchField(c.MusicBrainzID, t.MusicBrainzID)
}

func matchField(values []string, v string) bool {
	return values == nil || slices.Contains(values, v)
}
