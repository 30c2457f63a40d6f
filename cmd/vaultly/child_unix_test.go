//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// runChild, exec's fallback where a process cannot be replaced: the exit
// status is the program's, and signals sent to vaultly reach it.
func TestRunChild(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	var stderr bytes.Buffer
	if code := runChild(sh, []string{"sh", "-c", "exit 7"}, nil, nil, io.Discard, &stderr, forwarded); code != 7 {
		t.Errorf("exit 7: got %d", code)
	}
	if code := runChild(sh, []string{"sh", "-c", "kill -KILL $$"}, nil, nil, io.Discard, &stderr, forwarded); code != 128+9 {
		t.Errorf("killed: got %d, want 137", code)
	}
	if code := runChild("/no/such/program", []string{"x"}, nil, nil, io.Discard, &stderr, forwarded); code != 126 {
		t.Errorf("cannot start: got %d, want 126", code)
	}
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	done := make(chan int)
	go func() {
		defer w.Close()
		done <- runChild(sh, []string{"sh", "-c", `trap 'exit 42' USR1; echo ready; while :; do sleep 0.01; done`},
			[]string{"PATH=" + os.Getenv("PATH")}, nil, w, &stderr, []os.Signal{syscall.SIGUSR1})
	}()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 42 {
		t.Errorf("after SIGUSR1 to vaultly: exit %d, want the program's 42 (signal forwarded)", code)
	}
}

// A signal that came while exec read the secrets (the context is
// cancelled) stops vaultly before it starts the program: it is not lost.
// Were the program started, it would replace this test with false.
func TestStartInterrupted(t *testing.T) {
	f, err := exec.LookPath("false")
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := start(ctx, f, []string{"false"}, os.Environ()); !errors.Is(err, context.Canceled) || exitCode(err) != exitFailure {
		t.Errorf("start after a signal = %v; want the cancellation (exit %d)", err, exitFailure)
	}
}
