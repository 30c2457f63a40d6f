package file_test

import "syscall"

// mknodNull makes p the same character device as /dev/null, or says why
// it cannot (mknod needs privileges).
func mknodNull(p string) (skip string) {
	var st syscall.Stat_t
	if err := syscall.Stat("/dev/null", &st); err != nil {
		return "stat /dev/null: " + err.Error()
	}
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o600, int(st.Rdev)); err != nil {
		return "mknod: " + err.Error()
	}
	return ""
}
