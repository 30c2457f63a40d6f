//go:build unix

package vault

import (
	"os"
	"syscall"
)

// credentialOpenFlags opens a credential file without blocking: a FIFO
// with no writer (a process substitution read a second time) would
// otherwise block the open, and every login after it, for ever.
const credentialOpenFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
