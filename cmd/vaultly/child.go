package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
)

// runChild runs program as a child with environ, forwards the signals in
// sigs to it until it exits, and returns its exit status (128 plus the
// signal number when a signal ended it, where the OS says which; 126 when
// it cannot start). It is how exec runs a program where the vaultly
// process cannot be replaced by it.
func runChild(program string, argv, environ []string, stdin io.Reader, stdout, stderr io.Writer, sigs []os.Signal) int {
	cmd := &exec.Cmd{Path: program, Args: argv, Env: environ, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, sigs...)
	defer signal.Stop(ch)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "vaultly: exec: cannot run %q: %v\n", argv[0], err)
		return 126
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if err != nil && cmd.ProcessState == nil {
		fmt.Fprintf(stderr, "vaultly: exec: %q: %v\n", argv[0], err)
		return 1
	}
	return exitStatus(cmd.ProcessState)
}
