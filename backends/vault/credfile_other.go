//go:build !unix

package vault

import "os"

// credentialOpenFlags: outside Unix opening a file does not block.
const credentialOpenFlags = os.O_RDONLY
