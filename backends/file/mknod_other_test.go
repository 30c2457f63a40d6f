//go:build unix && !linux

package file_test

// mknodNull: the device test runs on Linux only (mknod's device argument
// differs between the other systems).
func mknodNull(string) (skip string) { return "device test on Linux only" }
