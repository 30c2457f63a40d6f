//go:build unix

package file

import (
	"errors"
	"os"
	"syscall"
)

// openFlags opens without blocking (a FIFO with no writer would block the
// open, a device could too) and without making a terminal the process's
// controlling terminal. What was opened is checked before it is read.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY

// unopenable reports whether err says that what is at the path is not a
// file that open can give: a socket (ENXIO on Linux, EOPNOTSUPP on the
// BSDs and macOS) or a device with no driver behind it.
func unopenable(err error) bool {
	return errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EOPNOTSUPP)
}
