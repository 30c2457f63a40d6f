package awsclient

import (
	"errors"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

// NotRun is ref's error in a batch when fanout.Run did not complete the
// request that was to read it: the call panicked (vaultly.ErrTransient),
// or it never started because the context ended (runErr is then
// ctx.Err(), and the error matches it and no kind).
func NotRun(backend string, ref vaultly.Ref, runErr error) error {
	if errors.Is(runErr, fanout.ErrPanicked) {
		return backendkit.NewError(backend, vaultly.ErrTransient, ref, runErr)
	}
	return backendkit.NewCanceledError(backend, ref, runErr, nil)
}
