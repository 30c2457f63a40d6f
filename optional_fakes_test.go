package vaultly_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// store is a fake backend for the key, prefix and lease tests: a map of
// paths to texts, every call recorded. Which optional interfaces it has
// depends on the wrapper the test picks (plainStore, batchStore,
// keyStore, prefixStore, leaseStore).
type store struct {
	mu      sync.Mutex
	values  map[string]string
	leases  map[string]time.Duration // GetLease's valid, by path
	gets    []vaultly.Ref
	batches [][]vaultly.Ref
	lists   []listCall
	leased  []vaultly.Ref
	fail    error // every call fails with it when set
	keys    bool  // take members of documents (ReadsKeys)
}

type listCall struct {
	prefix string
	max    int
}

func newStore(values map[string]string) *store { return &store{values: values} }

func (s *store) Name() string { return "fake" }

func (s *store) set(path, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[path] = value
}

func (s *store) failWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// read serves ref with s.mu held: the value, or its member when the store
// reads keys.
func (s *store) read(ref vaultly.Ref) (string, error) {
	if s.fail != nil {
		return "", backendkit.NewError("fake", vaultly.ErrTransient, ref, s.fail)
	}
	doc, ok := s.values[ref.Path]
	if !ok {
		return "", backendkit.NewError("fake", vaultly.ErrNotFound, ref, nil)
	}
	if ref.Key == "" {
		return doc, nil
	}
	if !s.keys {
		return "", backendkit.NewError("fake", vaultly.ErrConfig, ref, nil) // a Ref with a key it cannot serve
	}
	return backendkit.Member("fake", ref, doc)
}

func (s *store) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets = append(s.gets, ref)
	return s.read(ref)
}

func (s *store) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, slices.Clone(refs))
	out := map[vaultly.Ref]string{}
	errs := map[vaultly.Ref]error{}
	for _, ref := range refs {
		v, err := s.read(ref)
		switch {
		case err == nil:
			out[ref] = v
		case !strings.Contains(err.Error(), "not found"):
			errs[ref] = err
		}
	}
	if len(errs) > 0 {
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}

func (s *store) GetPrefix(_ context.Context, prefix string, max int) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists = append(s.lists, listCall{prefix, max})
	if s.fail != nil {
		return nil, backendkit.NewError("fake", vaultly.ErrTransient, vaultly.Ref{Path: prefix}, s.fail)
	}
	out := map[string]string{}
	for p, v := range s.values {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out, nil
}

func (s *store) GetLease(_ context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leased = append(s.leased, ref)
	v, err := s.read(ref)
	return v, s.leases[ref.Path], err
}

func (s *store) ReadsKeys() bool { return s.keys }

// calls returns what the store was asked: Gets, GetBatches, GetPrefix
// calls and GetLeases.
func (s *store) calls() ([]vaultly.Ref, [][]vaultly.Ref, []listCall, []vaultly.Ref) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gets), slices.Clone(s.batches), slices.Clone(s.lists), slices.Clone(s.leased)
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets, s.batches, s.lists, s.leased = nil, nil, nil, nil
}

// The wrappers give a store exactly the interfaces a test needs.
type (
	plainStore  struct{ s *store } // Get, Name
	batchStore  struct{ s *store } // + GetBatch
	keyStore    struct{ s *store } // + GetBatch, ReadsKeys
	keyGetStore struct{ s *store } // Get, ReadsKeys (no batch)
	prefixStore struct{ s *store } // Get, GetPrefix
	prefixBatch struct{ s *store } // Get, GetBatch, GetPrefix
	leaseStore  struct{ s *store } // Get, GetLease
	leaseBatch  struct{ s *store } // Get, GetBatch, GetLease
)

func (p plainStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p plainStore) Name() string { return p.s.Name() }

func (p batchStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p batchStore) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return p.s.GetBatch(ctx, refs)
}
func (p batchStore) Name() string { return p.s.Name() }

func (p keyStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p keyStore) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return p.s.GetBatch(ctx, refs)
}
func (p keyStore) ReadsKeys() bool { return p.s.ReadsKeys() }
func (p keyStore) Name() string    { return p.s.Name() }

func (p keyGetStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p keyGetStore) ReadsKeys() bool { return p.s.ReadsKeys() }
func (p keyGetStore) Name() string    { return p.s.Name() }

func (p prefixStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p prefixStore) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	return p.s.GetPrefix(ctx, prefix, max)
}
func (p prefixStore) Name() string { return p.s.Name() }

func (p prefixBatch) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p prefixBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return p.s.GetBatch(ctx, refs)
}
func (p prefixBatch) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	return p.s.GetPrefix(ctx, prefix, max)
}
func (p prefixBatch) Name() string { return p.s.Name() }

func (p leaseStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p leaseStore) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	return p.s.GetLease(ctx, ref)
}
func (p leaseStore) Name() string { return p.s.Name() }

func (p leaseBatch) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p leaseBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return p.s.GetBatch(ctx, refs)
}
func (p leaseBatch) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	return p.s.GetLease(ctx, ref)
}
func (p leaseBatch) Name() string { return p.s.Name() }

// Compile-time checks that each wrapper has what its name says.
var (
	_ vaultly.BatchBackend     = batchStore{}
	_ backendkit.KeyBackend    = keyStore{}
	_ vaultly.BatchBackend     = keyStore{}
	_ backendkit.KeyBackend    = keyGetStore{}
	_ backendkit.PrefixBackend = prefixStore{}
	_ backendkit.PrefixBackend = prefixBatch{}
	_ vaultly.BatchBackend     = prefixBatch{}
	_ backendkit.LeaseBackend  = leaseStore{}
	_ backendkit.LeaseBackend  = leaseBatch{}
	_ vaultly.BatchBackend     = leaseBatch{}
)

// optionalOf reports which of the optional interfaces b has, for the test
// that the wrappers have only what their names say.
func optionalOf(b vaultly.Backend) []string {
	var has []string
	if _, ok := b.(vaultly.BatchBackend); ok {
		has = append(has, "batch")
	}
	if _, ok := b.(backendkit.KeyBackend); ok {
		has = append(has, "keys")
	}
	if _, ok := b.(backendkit.PrefixBackend); ok {
		has = append(has, "prefix")
	}
	if _, ok := b.(backendkit.LeaseBackend); ok {
		has = append(has, "lease")
	}
	return has
}
