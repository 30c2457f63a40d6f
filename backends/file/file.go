// Package file is a vaultly backend that reads a directory of files, one
// secret per file, as Kubernetes secret volumes and Docker's /run/secrets
// lay them out.
//
// The path "/db/prod/password" is read from dir/db/prod/password. Exactly
// one trailing "\n" or "\r\n" is trimmed, so files written by echo or an
// editor give the value they were meant to hold. Versions are ignored: a
// directory holds one value per path.
//
// The file is read on every Get; the vaultly cache decides how often that
// happens, so a rotated file (such as an updated Kubernetes secret) is seen
// at the next refresh.
//
// No path can leave the directory: a path with a ".." component is
// refused, and the directory is opened with os.OpenRoot, which refuses
// symlinks that point outside it. Both are vaultly.ErrConfig, naming the
// path. Symlinks must be relative: os.Root treats every absolute target as
// an escape, even one inside the directory. Kubernetes secret volumes use
// relative links (key -> ..data/key), which work.
//
// Get opens first and checks what it opened, so that nothing can be
// swapped in between: the file is opened without blocking (on Unix with
// O_NONBLOCK and O_NOCTTY), and what was opened must be a regular file
// no larger than the maximum size (WithMaxSize). A FIFO, a socket or a
// device is vaultly.ErrConfig naming the path, and so is a name too long
// for the filesystem; Get never waits for a writer. A directory holds no
// secret: vaultly.ErrNotFound, as the parent of secrets is in any store.
//
// GetPrefix (the prefix tag option on a map field) walks the directory
// for the prefix, under the same confinement: every file below it, keyed
// by its path below it with "/" between directories; names beginning with
// "." (Kubernetes' ..data) are skipped, and a symlink that leaves the
// directory is an error, never skipped. See [Backend.GetPrefix].
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// DefaultMaxSize is the largest file Get reads unless WithMaxSize says
// otherwise.
const DefaultMaxSize = 1 << 20

// Backend reads secrets from files under one directory. It is safe for
// concurrent use. The zero value is not usable (its calls fail with
// vaultly.ErrConfig); use New.
type Backend struct {
	root      *os.Root
	maxSize   int64
	escapeErr error // the os package's (unexported) "path escapes" error

	// beforeOpen, when set (by tests only), is called with the name
	// about to be opened, so that a test can swap the file.
	beforeOpen func(name string)
}

var (
	_ vaultly.Backend          = (*Backend)(nil)
	_ backendkit.PrefixBackend = (*Backend)(nil)
)

// An Option configures New.
type Option func(*options)

type options struct {
	maxSize int64
	errs    []string // invalid option values, each naming its option
}

// WithMaxSize sets the largest file, in bytes, that Get reads (default
// DefaultMaxSize); a larger file is vaultly.ErrConfig. n must be positive.
func WithMaxSize(n int64) Option {
	return func(o *options) {
		if n <= 0 {
			o.errs = append(o.errs, fmt.Sprintf("WithMaxSize(%d): want more than 0", n))
			return
		}
		o.maxSize = n
	}
}

// New opens dir. It fails with vaultly.ErrConfig when dir is not a readable
// directory or an option value is invalid (the error names the option).
// Close releases it.
func New(dir string, opts ...Option) (*Backend, error) {
	o := options{maxSize: DefaultMaxSize}
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(&o)
		}
	}
	if len(o.errs) > 0 {
		return nil, &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Msg: strings.Join(o.errs, "; ")}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig,
			Msg: "cannot open directory " + strconv.Quote(dir), Err: err}
	}
	b := &Backend{root: root, maxSize: o.maxSize}
	// os does not export the error it returns for an escape, so learn it
	// from a path that certainly escapes.
	if _, err := root.Stat(".."); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			b.escapeErr = pe.Err
		}
	}
	return b, nil
}

// Name returns "file(<dir>)", dir as given to New, for wrappers such as
// the chain that name their members. Errors from Get name the backend
// "file" and the secret path.
func (b *Backend) Name() string {
	if b == nil || b.root == nil {
		return "file"
	}
	if dir := b.root.Name(); dir != "" {
		return "file(" + dir + ")"
	}
	return "file"
}

// Close releases the directory. Get fails with vaultly.ErrConfig after it.
func (b *Backend) Close() error {
	if b == nil || b.root == nil {
		return nil
	}
	return b.root.Close()
}

// Get reads the file for ref.Path; ref.Version is ignored.
//
// Failures: a missing file, a path through a regular file, and a
// directory ("is a directory": nothing is stored at its path) are
// vaultly.ErrNotFound; permission denied is vaultly.ErrAuth; a path that
// would leave the directory, a symlink loop, a name too long for the
// filesystem, and what is neither a directory nor a regular file (a FIFO,
// a socket, a device) or is larger than the maximum size are
// vaultly.ErrConfig; any other I/O error is vaultly.ErrTransient.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", backendkit.NewCanceledError("file", ref, err, nil)
	}
	if b == nil || b.root == nil {
		return "", errNotNew
	}
	name, msg := localName(ref.Path)
	if msg != "" {
		return "", &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref, Msg: msg}
	}
	return b.read(ref, name)
}

// read reads the file name, relative to the root, for ref.
func (b *Backend) read(ref vaultly.Ref, name string) (string, error) {
	if b.beforeOpen != nil {
		b.beforeOpen(name)
	}
	// Open first, then check what was opened: a check before the open
	// would leave a window in which the file can be swapped. The open does
	// not block (a FIFO would otherwise wait for a writer).
	f, err := b.root.OpenFile(name, openFlags, 0)
	if err != nil {
		return "", b.classify(ref, name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", b.classify(ref, name, err)
	}
	switch {
	case info.IsDir():
		// Nothing is stored at a directory's path, as in a store where
		// "/db" holds no secret but "/db/password" does.
		return "", &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrNotFound, Ref: ref, Msg: "is a directory"}
	case !info.Mode().IsRegular():
		return "", notRegular(ref, info.Mode())
	case info.Size() > b.maxSize:
		return "", b.tooLarge(ref)
	}
	data, err := io.ReadAll(io.LimitReader(f, b.maxSize+1)) // the file may grow
	if err != nil {
		return "", b.classify(ref, name, err)
	}
	if int64(len(data)) > b.maxSize {
		return "", b.tooLarge(ref)
	}
	return trimNewline(string(data)), nil
}

// localName turns a secret path into a name relative to the root, or says
// why it cannot be one.
func localName(path string) (name, msg string) {
	if strings.IndexByte(path, 0) >= 0 {
		return "", "path contains a NUL byte"
	}
	name = strings.TrimLeft(path, "/")
	if name == "" {
		return "", "path names no file"
	}
	for _, elem := range strings.FieldsFunc(name, isSeparator) {
		if elem == ".." {
			return "", "path would leave the directory (\"..\" component)"
		}
	}
	return name, ""
}

// isSeparator reports whether r separates path elements here. A
// backslash does on Windows, where it could otherwise hide a "..".
func isSeparator(r rune) bool { return r == '/' || r == os.PathSeparator }

// trimNewline removes exactly one trailing "\n" or "\r\n".
func trimNewline(s string) string {
	if strings.HasSuffix(s, "\r\n") {
		return s[:len(s)-2]
	}
	return strings.TrimSuffix(s, "\n")
}

func (b *Backend) tooLarge(ref vaultly.Ref) error {
	return &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref,
		Msg: "file larger than " + strconv.FormatInt(b.maxSize, 10) + " bytes"}
}

// notRegular is the error for a file of mode m, which is not regular.
func notRegular(ref vaultly.Ref, m fs.FileMode) error {
	var what string
	switch {
	case m.IsDir():
		what = "directory"
	case m&fs.ModeNamedPipe != 0:
		what = "named pipe"
	case m&fs.ModeSocket != 0:
		what = "socket"
	case m&fs.ModeDevice != 0:
		what = "device"
	default:
		what = "mode " + m.Type().String()
	}
	return &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref,
		Msg: "not a regular file (" + what + ")"}
}

// classify maps an os error from opening or reading name to a vaultly
// kind, keeping it as the cause.
func (b *Backend) classify(ref vaultly.Ref, name string, err error) error {
	if unopenable(err) {
		// A socket, or a device without a driver: say which, from a
		// Stat that cannot block (the decision is already made).
		if info, serr := b.root.Stat(name); serr == nil && !info.Mode().IsRegular() {
			return notRegular(ref, info.Mode())
		}
		return &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref,
			Msg: "not a regular file", Err: err}
	}
	kind, msg := vaultly.ErrTransient, ""
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		kind = vaultly.ErrNotFound
	case errors.Is(err, fs.ErrPermission):
		kind = vaultly.ErrAuth
	case b.isEscape(err):
		kind, msg = vaultly.ErrConfig, "path would leave the directory (symlink to outside)"
	case errors.Is(err, syscall.ELOOP):
		kind, msg = vaultly.ErrConfig, "too many levels of symbolic links"
	case errors.Is(err, syscall.ENAMETOOLONG):
		kind, msg = vaultly.ErrConfig, "name too long for the filesystem"
	case errors.Is(err, fs.ErrClosed):
		kind, msg = vaultly.ErrConfig, "backend is closed"
	}
	return &vaultly.BackendError{Backend: "file", Kind: kind, Ref: ref, Msg: msg, Err: err}
}

func (b *Backend) isEscape(err error) bool {
	if b.escapeErr != nil && errors.Is(err, b.escapeErr) {
		return true
	}
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Err != nil && pe.Err.Error() == "path escapes from parent"
}

// errNotNew is returned by a Backend that did not come from New.
var errNotNew = fmt.Errorf("file: %w: backend not created with file.New", vaultly.ErrConfig)
