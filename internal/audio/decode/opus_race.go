//go:build race

package decode

// opusBuiltin is false in race builds: opus-go v1.3.0 is C transpiled to Go
// whose pointer arithmetic fails the checkptr instrumentation that -race
// turns on ("fatal error: checkptr: pointer arithmetic result points to
// invalid allocation" in Opus_silk_Get_Decoder_Size), so race builds
// decode Opus through ffmpeg.
const opusBuiltin = false
