package output

import (
	"fmt"
	"log/slog"
)

// Options configures Build.
type Options struct {
	// PulseServer is the PulseAudio server string; empty means
	// $PULSE_SERVER or $XDG_RUNTIME_DIR/pulse/native.
	PulseServer string
	HTTP        HTTPOptions
	// Logger receives each output's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Set is the outputs built from one `[audio] output` setting.
type Set struct {
	// Outputs receive the PCM, in the order of the setting.
	Outputs []Output
	// HTTP is the HTTP stream among Outputs, for the HTTP frontend to mount
	// at /stream, or nil when the setting has none.
	HTTP *HTTPStream
}

// Build creates the outputs that specs describe. `auto` becomes a pulse
// output when a PulseAudio server accepts a connection now, and an HTTP
// stream otherwise. A GStreamer alias is logged with the name it maps to.
func Build(specs []Spec, opts Options) (*Set, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	set := &Set{}
	for _, spec := range specs {
		if spec.Alias != "" {
			log.Info("GStreamer output name mapped", "gstreamer", spec.Alias, "output", string(spec.Kind))
		}
		kind := spec.Kind
		if kind == KindAuto {
			kind = KindHTTP
			if PulseAvailable(opts.PulseServer) {
				kind = KindPulse
			}
			log.Info("output auto resolved", "output", string(kind))
		}
		var out Output
		switch kind {
		case KindPulse:
			out = NewPulse(opts.PulseServer, spec.Target, log)
		case KindHTTP:
			if set.HTTP != nil {
				return nil, fmt.Errorf("output: the HTTP stream is listed twice in the [audio] output setting: keep one")
			}
			set.HTTP = NewHTTPStream(opts.HTTP, log)
			out = set.HTTP
		case KindSnapcastFIFO:
			out = NewSnapcastFIFO(spec.Target, log)
		case KindSnapcastTCP:
			out = NewSnapcastTCP(spec.Target, log)
		case KindPipe:
			out = NewPipe(spec.Command, log)
		case KindNull:
			out = NewNull()
		default:
			return nil, fmt.Errorf("output: unknown output kind %q: use one of %s", kind, validNames)
		}
		set.Outputs = append(set.Outputs, out)
	}
	return set, nil
}
