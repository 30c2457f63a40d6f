//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// replace replaces the vaultly process with program, so that signals and
// the exit status are the program's own. It returns only when that fails.
func replace(program string, argv, environ []string) error {
	err := syscall.Exec(program, argv, environ)
	return &exitError{code: 126, msg: fmt.Sprintf("exec: cannot run %q: %v", argv[0], err)}
}
