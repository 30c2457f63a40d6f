// Command vaultly reads secrets from the stores vaultly's backends reach,
// for people at a terminal and for scripts:
//
//	vaultly get URL PATH [--key K] [--version V] [--reveal]
//	vaultly ls URL PREFIX [--max N]
//	vaultly exec URL [--env NAME=PATH]... [--prefix PREFIX]... [--max N] -- PROGRAM [ARG]...
//
// URL names the store as package open reads it (env://MYAPP,
// file:///run/secrets, ssm://?region=eu-west-1,
// vault://vault.internal:8200/secret?auth=kubernetes&role=app; an empty
// URL is env://). get prints a masked summary of a value (its length and
// a short keyed hash, so two values can be compared) and the value itself
// only with --reveal; ls prints the paths under a prefix, never values;
// exec runs a program with secrets added to its environment, replacing
// the vaultly process where the operating system allows.
//
// Errors go to stderr, one line each, and never hold a value. The exit
// status says what went wrong (docs/cli.md):
//
//	0  success
//	1  another failure (interrupted, an unclassified error)
//	2  usage: an unknown command or flag, a missing argument
//	3  configuration: a bad URL, a backend that cannot do what was asked
//	4  not found
//	5  access denied, or no credentials
//	6  transient: the store is unreachable, throttled or failing
//
// Install it with go install github.com/vaultly/vaultly/cmd/vaultly@latest.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  vaultly get URL PATH [--key K] [--version V] [--reveal]
  vaultly ls URL PREFIX [--max N]
  vaultly exec URL [--env NAME=PATH]... [--prefix PREFIX]... [--max N] -- PROGRAM [ARG]...

URL names the store: env://PREFIX, file:///dir, ssm://?region=R,
secretsmanager://?region=R, vault://host:port/mount?auth=..., a comma-separated
list for a chain; empty means env://. See docs/cli.md.

exit status: 0 ok, 1 other failure, 2 usage, 3 configuration, 4 not found,
5 access denied, 6 transient
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one command and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "get":
		return report(stderr, runGet(ctx, args[1:], stdout))
	case "ls":
		return report(stderr, runLs(ctx, args[1:], stdout))
	case "exec":
		return report(stderr, runExec(ctx, args[1:]))
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	return report(stderr, usageError("unknown command %q: want get, ls or exec", args[0]))
}
