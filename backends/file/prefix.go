package file

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// maxDepth bounds how deep GetPrefix descends below its prefix, which
// also ends a walk around a loop of symlinks.
const maxDepth = 64

// GetPrefix reads every file below the directory for prefix, a path
// ending in "/", keyed by its path below it with "/" between the names of
// nested directories: with the prefix "/app/flags/", dir/app/flags/b/c is
// "b/c". Each file is read as Get reads it (one trailing newline trimmed,
// at most the maximum size, a regular file only).
//
// Names that begin with "." are not listed, nor is anything below them:
// a Kubernetes secret volume keeps the real files in "..data" and
// "..2024_01_01_00_00_00.0", and shows each secret once, as a symlink
// beside them. Symlinks are followed, to files and to directories, as
// long as they stay inside the backend's directory: one that leaves it is
// an error (vaultly.ErrConfig naming it), never skipped, and so are a
// FIFO, a socket or a device below the prefix and a file larger than the
// maximum size. A dangling symlink, and a file removed while GetPrefix
// runs, are left out.
//
// A directory that does not exist, or a prefix that names a file, is an
// empty map and a nil error. GetPrefix stops once it holds more than max
// entries (it reads the directories in name order). Errors are classified
// as for Get and name the Ref {Path: prefix} and the file below it.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	if err := ctx.Err(); err != nil {
		return nil, backendkit.NewCanceledError("file", ref, err, nil)
	}
	if b == nil || b.root == nil {
		return nil, errNotNew
	}
	if !strings.HasSuffix(prefix, "/") {
		return nil, &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref, Msg: `prefix does not end in "/"`}
	}
	dir := "."
	if strings.Trim(prefix, "/") != "" {
		name, msg := localName(prefix)
		if msg != "" {
			return nil, &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig, Ref: ref, Msg: msg}
		}
		dir = strings.TrimRight(name, "/")
	}
	w := walker{b: b, ctx: ctx, prefix: prefix, max: max, out: make(map[string]string)}
	if err := w.walk(dir, "", 0); err != nil && err != errFull {
		return nil, err
	}
	return w.out, nil
}

// errFull stops a walk that holds more than max entries.
var errFull = errors.New("more than max entries")

// walker is one GetPrefix.
type walker struct {
	b      *Backend
	ctx    context.Context
	prefix string
	max    int
	out    map[string]string
}

// walk reads the directory dir (relative to the root), whose entries are
// keyed by rest followed by their names.
func (w *walker) walk(dir, rest string, depth int) error {
	if depth > maxDepth {
		return w.fail(rest, &vaultly.BackendError{Backend: "file", Kind: vaultly.ErrConfig,
			Msg: "directories nested deeper than " + strconv.Itoa(maxDepth) + " (a loop of symlinks?)"})
	}
	f, err := w.b.root.OpenFile(dir, openFlags, 0)
	if err != nil {
		if depth == 0 && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
			return nil // nothing under the prefix
		}
		return w.fail(rest, w.b.classify(vaultly.Ref{}, dir, err))
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return w.fail(rest, w.b.classify(vaultly.Ref{}, dir, err))
	} else if !info.IsDir() {
		return nil // the prefix names a file, not a folder: nothing under it
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		return w.fail(rest, w.b.classify(vaultly.Ref{}, dir, err))
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return backendkit.NewCanceledError("file", vaultly.Ref{Path: w.prefix}, err, nil)
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name, key := e.Name(), rest+e.Name()
		if dir != "." {
			name = dir + "/" + name
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			info, err := w.b.root.Stat(name) // follows it, inside the root only
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue // dangling: Get would not find it either
			case err != nil:
				return w.fail(key, w.b.classify(vaultly.Ref{}, name, err))
			}
			isDir = info.IsDir()
		}
		if isDir {
			if err := w.walk(name, key+"/", depth+1); err != nil {
				return err
			}
			continue
		}
		v, err := w.b.read(vaultly.Ref{Path: w.prefix + key}, name)
		switch {
		case errors.Is(err, vaultly.ErrNotFound):
			continue // removed since the directory was read
		case err != nil:
			return w.fail(key, err)
		}
		w.out[key] = v
		if len(w.out) > w.max {
			return errFull
		}
	}
	return nil
}

// fail turns the error of the file key (below the prefix) into an error of
// the whole GetPrefix: the same kind and cause, the Ref {Path: prefix},
// and the key in the message.
func (w *walker) fail(key string, err error) error {
	var be *vaultly.BackendError
	if !errors.As(err, &be) {
		return backendkit.NewError("file", vaultly.ErrTransient, vaultly.Ref{Path: w.prefix}, err)
	}
	msg := key
	switch {
	case key == "":
		msg = be.Msg
	case be.Msg != "":
		msg += ": " + be.Msg
	}
	return &vaultly.BackendError{Backend: "file", Kind: be.Kind, Ref: vaultly.Ref{Path: w.prefix}, Msg: msg, Err: be.Err}
}
