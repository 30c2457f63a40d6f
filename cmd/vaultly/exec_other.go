//go:build !unix

package main

import "os"

// replace runs program as a child where a process cannot be replaced: it
// forwards the interrupt to it and exits with its status.
func replace(program string, argv, environ []string) error {
	code := runChild(program, argv, environ, os.Stdin, os.Stdout, os.Stderr, forwarded)
	return &exitError{code: code}
}
