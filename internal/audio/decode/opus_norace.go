//go:build !race

package decode

// opusBuiltin tells whether Ogg Opus is decoded by opus-go.
const opusBuiltin = true
