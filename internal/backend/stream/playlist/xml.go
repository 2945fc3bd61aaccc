package playlist

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxXMLDepth bounds element nesting, so a deeply nested document cannot
// exhaust the parser's stack.
const maxXMLDepth = 64

// newXMLDecoder returns a decoder that reads UTF-8 and Latin-1 documents.
// encoding/xml never expands external entities or DTD-defined entities,
// so XML entity attacks do not apply.
func newXMLDecoder(data []byte, strict bool) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(trimBOM(data)))
	d.Strict = strict
	if !strict {
		d.AutoClose = xml.HTMLAutoClose
		d.Entity = xml.HTMLEntity
	}
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
			raw, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			var b strings.Builder
			for _, c := range raw {
				b.WriteRune(rune(c))
			}
			return strings.NewReader(b.String()), nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q; use UTF-8", charset)
	}
	return d
}

// ParseXSPF parses an XSPF playlist, taking the first <location> and the
// <title> of each <track>.
func ParseXSPF(data []byte) ([]Entry, error) {
	d := newXMLDecoder(data, true)
	var entries []Entry
	var track *Entry
	var field string
	var text strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse XSPF playlist: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, fmt.Errorf("parse XSPF playlist: elements nested deeper than %d", maxXMLDepth)
			}
			switch {
			case t.Name.Local == "track":
				track = &Entry{}
			case track != nil && (t.Name.Local == "location" || t.Name.Local == "title"):
				field = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if field != "" && text.Len() < 8<<10 {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			switch {
			case track != nil && t.Name.Local == field:
				if field == "location" && track.URI == "" {
					if uri, ok := cleanURI(text.String()); ok {
						track.URI = uri
					}
				} else if field == "title" {
					track.Title = cleanTitle(text.String())
				}
				field = ""
			case t.Name.Local == "track" && track != nil:
				if track.URI != "" && len(entries) < MaxEntries {
					entries = append(entries, *track)
				}
				track = nil
			}
		}
	}
	return entries, nil
}

// ParseASX parses an ASX (Windows Media metafile) playlist. Element and
// attribute names are case-insensitive, as Windows Media Player reads
// them. Each <ref href> and <entryref href> becomes an entry with the
// title of its <entry>.
func ParseASX(data []byte) ([]Entry, error) {
	d := newXMLDecoder(data, false)
	var entries []Entry
	inEntry, inTitle := false, false
	var title strings.Builder
	var refs []string
	depth := 0
	flush := func() {
		for _, r := range refs {
			if len(entries) < MaxEntries {
				entries = append(entries, Entry{URI: r, Title: cleanTitle(title.String())})
			}
		}
		refs = refs[:0]
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse ASX playlist: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, fmt.Errorf("parse ASX playlist: elements nested deeper than %d", maxXMLDepth)
			}
			name := strings.ToLower(t.Name.Local)
			switch {
			case name == "entry":
				inEntry = true
				title.Reset()
			case name == "title" && inEntry:
				inTitle = true
			case name == "ref" && inEntry, name == "entryref":
				if href, ok := cleanURI(attr(t, "href")); ok {
					refs = append(refs, href)
				}
				if !inEntry {
					flush()
				}
			}
		case xml.CharData:
			if inTitle && title.Len() < 8<<10 {
				title.Write(t)
			}
		case xml.EndElement:
			depth--
			switch strings.ToLower(t.Name.Local) {
			case "title":
				inTitle = false
			case "entry":
				flush()
				inEntry = false
				title.Reset()
			}
		}
	}
	flush()
	return entries, nil
}

// attr returns the value of the attribute named name, compared without
// case.
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}
