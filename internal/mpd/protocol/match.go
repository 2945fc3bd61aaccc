package protocol

import "strings"

// Match reports whether song satisfies f.
func (f *Filter) Match(song *Song) bool {
	switch f.Kind {
	case KindAnd:
		for _, c := range f.Children {
			if !c.Match(song) {
				return false
			}
		}
		return true
	case KindNot:
		return !f.Children[0].Match(song)
	case KindBase:
		return inBase(song.URI, f.Value)
	case KindModifiedSince:
		return !song.Modified.Before(f.Time)
	case KindAddedSince:
		return !song.Added.Before(f.Time)
	case KindPrio:
		return song.Prio >= f.Number
	case KindFile:
		return f.matchValues([]string{song.URI})
	case KindAudioFormat:
		if f.Op == OpRegexp {
			return MatchAudioFormatMask(song.AudioFormat, f.Value)
		}
		return song.AudioFormat == f.Value
	case KindAny:
		var all []string
		for _, vs := range song.Tags {
			all = append(all, vs...)
		}
		return f.matchValues(all)
	case KindTag:
		return f.matchValues(TagValues(song, f.Tag))
	}
	return false
}

// TagValues returns the values of tag in song, falling back as MPD 0.23
// does: AlbumArtist to Artist, the sort tags to their plain tags.
func TagValues(song *Song, tag string) []string {
	if vs := song.Tags[tag]; len(vs) > 0 {
		return vs
	}
	switch tag {
	case "AlbumArtist", "ArtistSort":
		return song.Tags["Artist"]
	case "AlbumArtistSort":
		return TagValues(song, "AlbumArtist")
	case "AlbumSort":
		return song.Tags["Album"]
	case "ComposerSort":
		return song.Tags["Composer"]
	}
	return nil
}

// matchValues applies the operator to a tag's values: a positive operator
// matches when any value matches, a negated one when none does. A missing
// tag counts as one empty value, so "(Artist == ”)" finds songs without an
// artist.
func (f *Filter) matchValues(values []string) bool {
	if len(values) == 0 {
		values = []string{""}
	}
	switch f.Op {
	case OpNotEqual:
		return !f.anyValue(values, OpEqual)
	case OpNotRegexp:
		return !f.anyValue(values, OpRegexp)
	}
	return f.anyValue(values, f.Op)
}

func (f *Filter) anyValue(values []string, op Op) bool {
	for _, v := range values {
		if f.matchOne(v, op) {
			return true
		}
	}
	return false
}

func (f *Filter) matchOne(v string, op Op) bool {
	want := f.Value
	if f.FoldCase && op != OpRegexp {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch op {
	case OpEqual:
		return v == want
	case OpContains:
		return strings.Contains(v, want)
	case OpStartsWith:
		return strings.HasPrefix(v, want)
	case OpRegexp:
		return f.Regexp.MatchString(v)
	}
	return false
}

// IsBelow reports whether uri lies in folder base, which is "" for the
// root.
func IsBelow(uri, base string) bool {
	base = strings.TrimSuffix(base, "/")
	if base == "" {
		return true
	}
	return uri == base || strings.HasPrefix(uri, base+"/")
}

// inBase reports whether uri matches "(base 'base')" as in MPD 0.23.12:
// uri equals base, or base is a prefix of uri that ends in "/" or is
// followed by "/" in uri, or base is empty. Unlike IsBelow, a trailing
// "/" is part of base, so "/" matches no song and "a.mp3/" does not match
// "a.mp3".
func inBase(uri, base string) bool {
	if base == "" || uri == base {
		return true
	}
	rest, ok := strings.CutPrefix(uri, base)
	return ok && rest != "" && (strings.HasSuffix(base, "/") || rest[0] == '/')
}

// MatchAudioFormatMask reports whether format ("44100:16:2") fits mask, in
// which "*" stands for any value of a field, as "(AudioFormat =~ '44100:*:2')"
// does in MPD 0.23.
func MatchAudioFormatMask(format, mask string) bool {
	fs, ms := strings.Split(format, ":"), strings.Split(mask, ":")
	if len(fs) != 3 || len(ms) != 3 {
		return false
	}
	for i := range ms {
		if ms[i] != "*" && ms[i] != fs[i] {
			return false
		}
	}
	return true
}
