//go:build linux && !amd64 && !arm64

package sandbox

import (
	"errors"
	"runtime"
)

func installSeccomp(bool) error {
	return errors.New("seccomp filter not available on " + runtime.GOARCH + ": turn Policy.Seccomp off")
}
