//go:build !race

package decode

// opusBuiltin reports whether opus-go decodes Ogg Opus in this build.
const opusBuiltin = true
