//go:build !unix

package file

import "os"

// openFlags: outside Unix no file in a directory blocks its open (a
// Windows named pipe lives in \\.\pipe\, not in a directory).
const openFlags = os.O_RDONLY

// unopenable reports whether err says that what is at the path cannot be
// opened as a file; outside Unix, the check after the open covers it.
func unopenable(error) bool { return false }
