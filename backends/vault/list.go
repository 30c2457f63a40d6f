package vault

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

var _ backendkit.PrefixBackend = (*Backend)(nil)

// maxFolders bounds how many folders one GetPrefix lists, for a bound of
// max entries: a folder holds at least one entry somewhere below it, but
// deep trees have more folders than entries.
func maxFolders(max int) int { return 16*max + 256 }

// GetPrefix returns every entry under prefix (which ends in "/"), keyed by
// the rest of its path ("/app/flags/" and the entry app/flags/a/b give
// "a/b"): backendkit.PrefixBackend, for the prefix tag option.
//
// It lists the folder with LIST (on <mount>/metadata/ for KV v2, on the
// mount's path for KV v1), walking sub-folders (names ending in "/"),
// then reads the entries, at most WithConcurrency at once. An entry's
// value is what Get of its path returns: its field under the default
// key ("value", or WithDefaultKey). An entry that Get would report as not
// found (its latest version deleted or destroyed, no default key, a null
// one) is left out. Nothing under prefix is an empty map and a nil error.
//
// It stops once it holds more than max entries (the core then refuses the
// answer), so a mistyped prefix costs about max reads; and it fails with
// ErrConfig after listing more than 16*max+256 folders. Any other failure
// to list or read fails the whole call, classified as for Get, with the
// Ref {Path: prefix}.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	if !strings.HasSuffix(prefix, "/") {
		return nil, refError(ref, `a prefix must end in "/"`)
	}
	root := strings.Trim(prefix, "/")
	if root != "" {
		if err := checkPath(root); err != nil {
			return nil, refError(ref, err.Error())
		}
	}
	v, err := b.kvVersion(ctx)
	if err != nil {
		return nil, withRef(err, ref)
	}
	w := walk{b: b, kv: v, root: root, max: max, out: make(map[string]string),
		folders: []string{root}, seen: make(map[string]bool)}
	if err := w.run(ctx); err != nil {
		return nil, withRef(err, ref)
	}
	return w.out, nil
}

// walk is one GetPrefix: folders to list, entries listed and not yet
// read, and the values read so far.
type walk struct {
	b       *Backend
	kv      int
	root    string // the prefix below the mount, without slashes
	max     int
	folders []string        // to list, below the mount
	listed  int             // folders listed so far
	pending []string        // entries listed, not yet read
	seen    map[string]bool // entries listed so far
	out     map[string]string
}

// run lists folders until the entries waiting to be read would exceed the
// bound, reads them, and goes on until everything is read or the answer
// holds more than max entries.
func (w *walk) run(ctx context.Context) error {
	for len(w.out) <= w.max && (len(w.folders) > 0 || len(w.pending) > 0) {
		for len(w.folders) > 0 && len(w.out)+len(w.pending) <= w.max {
			if w.listed == maxFolders(w.max) {
				return classified(vaultly.ErrConfig, "more folders under the prefix than the bound on entries allows: narrow the prefix", nil)
			}
			folder := w.folders[0]
			w.folders = w.folders[1:]
			w.listed++
			if err := w.list(ctx, folder); err != nil {
				return err
			}
		}
		n := min(len(w.pending), w.max+1-len(w.out))
		if err := w.read(ctx, w.pending[:n]); err != nil {
			return err
		}
		w.pending = w.pending[n:]
	}
	return nil
}

// listBody is the part of a LIST answer the backend uses.
type listBody struct {
	Data *struct {
		Keys []string `json:"keys"`
	} `json:"data"`
	WrapInfo *struct{} `json:"wrap_info"`
}

// list lists one folder and queues its entries and sub-folders. A folder
// with nothing in it (404) adds nothing.
func (w *walk) list(ctx context.Context, folder string) error {
	b := w.b
	path := b.mount + "/"
	if w.kv == 2 {
		path += "metadata/"
	}
	if folder != "" {
		path += folder + "/"
	}
	resp, err := b.send(ctx, func() *api.Request {
		// The client's own List: the LIST operation for the wrapping
		// lookup, sent as GET ?list=true.
		r := b.client.NewRequest("LIST", "/v1/"+path)
		r.Method = http.MethodGet
		r.Params.Set("list", "true")
		return r
	})
	defer closeBody(resp)
	if err != nil {
		if errors.Is(err, vaultly.ErrNotFound) {
			return nil
		}
		return err
	}
	body, err := decodeJSON[listBody](resp.Body)
	if err != nil {
		return bodyError(ctx, err)
	}
	if body.WrapInfo != nil {
		return classified(vaultly.ErrConfig, errWrapped, nil)
	}
	if body.Data == nil {
		return nil
	}
	keys := slices.Clone(body.Data.Keys)
	slices.Sort(keys)
	for _, k := range keys {
		name, isFolder := strings.CutSuffix(k, "/")
		if checkPath(name) != nil || strings.Contains(name, "/") {
			// A name Vault would not list could leave the prefix once
			// joined (".." say): refuse the answer, never quoting it.
			return classified(vaultly.ErrTransient, "the LIST answer holds an invalid name", nil)
		}
		full := name
		if folder != "" {
			full = folder + "/" + name
		}
		switch {
		case isFolder:
			w.folders = append(w.folders, full)
		case !w.seen[full]:
			w.seen[full] = true
			w.pending = append(w.pending, full)
		}
	}
	return nil
}

// read reads entries in parallel and adds the found ones to the answer.
// The first failure other than not found, in listing order, fails the
// walk.
func (w *walk) read(ctx context.Context, paths []string) error {
	b := w.b
	values := make([]string, len(paths))
	errs := make([]error, len(paths))
	runErrs := fanout.Run(ctx, len(paths), b.concurrency, func(i int) error {
		data, err := b.readEntry(ctx, w.kv, entry{path: paths[i]})
		if err == nil {
			values[i], err = pick(data, b.defaultKey, false, vaultly.Ref{})
		}
		errs[i] = err
		return nil
	})
	if ctx.Err() != nil {
		return ctxError(ctx, vaultly.Ref{})
	}
	for i, p := range paths {
		err := errs[i]
		if runErrs[i] != nil {
			err = classified(vaultly.ErrTransient, "", runErrs[i])
		}
		switch {
		case err == nil:
			key := p
			if w.root != "" {
				key = p[len(w.root)+1:]
			}
			w.out[key] = values[i]
		case errors.Is(err, vaultly.ErrNotFound):
		default:
			msg := "reading the entry " + p
			if m := messageOf(err); m != "" {
				msg += ": " + m
			}
			return withMsg(err, msg)
		}
	}
	return nil
}

// messageOf returns the detail of a classified error.
func messageOf(err error) string {
	var be *vaultly.BackendError
	if errors.As(err, &be) {
		return be.Msg
	}
	return ""
}
