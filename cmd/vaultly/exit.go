package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vaultly/vaultly"
)

// Exit statuses; docs/cli.md documents them and scripts rely on them.
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitConfig    = 3
	exitNotFound  = 4
	exitAuth      = 5
	exitTransient = 6
)

// usageErr is a mistake on the command line.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}

// exitError ends vaultly with a status of its own (a program exec could
// not start, or the exit status of a program run as a child).
type exitError struct {
	code int
	msg  string // "" prints nothing
}

func (e *exitError) Error() string { return e.msg }

// exitCode maps err to the exit status. When several secrets failed for
// different reasons, the first kind in this order decides: usage,
// interrupted (context.Canceled: only a signal cancels the context),
// configuration, access denied, not found, transient.
func exitCode(err error) int {
	var ue *usageErr
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitFailure // interrupted: what else failed meanwhile does not decide
	case errors.Is(err, vaultly.ErrConfig):
		return exitConfig
	case errors.Is(err, vaultly.ErrAuth):
		return exitAuth
	case errors.Is(err, vaultly.ErrNotFound):
		return exitNotFound
	case errors.Is(err, vaultly.ErrTransient):
		return exitTransient
	}
	return exitFailure
}

// report prints err on w, one line per error ("vaultly: ..."), and returns
// the exit status. Errors from the backends never hold a value; a line
// break inside one cannot split it either.
func report(w io.Writer, err error) int {
	code := exitCode(err)
	if err == nil {
		return code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "vaultly: interrupted")
		return code
	}
	msg := err.Error()
	if msg == "" {
		return code
	}
	for _, line := range strings.Split(msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintln(w, "vaultly: "+line)
		}
	}
	var ue *usageErr
	if errors.As(err, &ue) {
		fmt.Fprintln(w, "run 'vaultly help' for usage")
	}
	return code
}
