package protocol

import "strings"

// Tag names as MPD 0.23.12 lists them in its tagtypes reply, in that order.
var tagNames = [...]string{
	"Artist", "ArtistSort", "Album", "AlbumSort", "AlbumArtist",
	"AlbumArtistSort", "Title", "Track", "Name", "Genre", "Date",
	"OriginalDate", "Composer", "ComposerSort", "Performer", "Conductor",
	"Work", "Movement", "MovementNumber", "Ensemble", "Location", "Grouping",
	"Disc", "Label", "MUSICBRAINZ_ARTISTID", "MUSICBRAINZ_ALBUMID",
	"MUSICBRAINZ_ALBUMARTISTID", "MUSICBRAINZ_TRACKID",
	"MUSICBRAINZ_RELEASETRACKID", "MUSICBRAINZ_WORKID",
}

// TagNames returns the tag names of MPD 0.23 in the order of its tagtypes
// reply.
func TagNames() []string { return tagNames[:] }

// ParseTag returns the canonical spelling of a tag name given in any case,
// and false for a name that is not a tag.
func ParseTag(name string) (string, bool) {
	for _, t := range tagNames {
		if strings.EqualFold(t, name) {
			return t, true
		}
	}
	return "", false
}
