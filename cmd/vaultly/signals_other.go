//go:build !unix

package main

import "os"

// forwarded are the signals runChild passes on to the program.
var forwarded = []os.Signal{os.Interrupt}

// exitStatus is the program's exit status (1 when the OS gives none).
func exitStatus(ps *os.ProcessState) int {
	if code := ps.ExitCode(); code >= 0 {
		return code
	}
	return 1
}
