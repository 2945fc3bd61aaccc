// Package webui holds Tonearm's own web interface: static HTML, CSS and
// JavaScript modules embedded in the binary, so `go install` gives the
// whole product and nothing needs a build step.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS returns the interface's files, rooted at its index.html.
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		// The folder is embedded at build time, so this cannot fail.
		panic(err)
	}
	return sub
}
