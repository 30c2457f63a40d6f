// Package mock is an in-memory vaultly backend for tests.
//
// A [Backend] holds current values and pinned versions, records every Ref it
// is asked for, and can be told to fail, to be slow, or to park callers
// until the test lets them go:
//
//	b := mock.New(map[string]string{"/db/prod/password": "hunter2"})
//	b.FailNext("/db/prod/password", 2, errors.New("throttled")) // two transient failures
//	// ... exercise the code under test ...
//	if got := b.Requests(); got != 3 { t.Errorf("round trips = %d, want 3", got) }
//
// It lists prefixes ([Backend.GetPrefix], for the prefix tag option): the
// call is recorded, held, delayed and failed like a Get of the prefix.
//
// Everything is safe for concurrent use. Injected errors that do not
// already match a vaultly sentinel are classified as vaultly.ErrTransient,
// exactly as a real backend classifies an unknown failure.
package mock

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/vaultly/vaultly"
)

// Backend is an in-memory vaultly.BatchBackend with call tracking, fault
// injection, latency and hold gates. Create it with [New].
type Backend struct {
	name   string
	optErr error // an invalid option: every call fails with it

	mu       sync.Mutex
	current  map[string]string            // path -> value for unversioned Refs
	versions map[string]map[string]string // path -> version -> value

	calls      []vaultly.Ref
	batchCalls [][]vaultly.Ref
	requests   int

	fail     map[string]error         // path ("" = every call) -> error
	failNext map[string]*countdown    // path ("" = every call) -> remaining failures
	latency  map[string]time.Duration // path ("" = default) -> delay
	holds    map[*hold]struct{}

	waiting   int
	waitingCh chan struct{} // closed and replaced whenever waiting changes
}

var _ vaultly.BatchBackend = (*Backend)(nil)

// Option configures a Backend.
type Option func(*Backend)

// WithName sets the backend name returned by [Backend.Name] and used in
// the errors the mock returns (default "mock"), which helps tell two mocks
// apart in chain tests. It must not be empty.
func WithName(name string) Option {
	return func(b *Backend) {
		if name == "" {
			b.invalid("WithName: empty name")
			return
		}
		b.name = name
	}
}

// WithVersions seeds pinned versions: each key's Path and Version name the
// value, as with [Backend.SetVersion]. Keys with an empty Version set the
// current value, as with [Backend.Set].
func WithVersions(values map[vaultly.Ref]string) Option {
	return func(b *Backend) {
		for ref, v := range values {
			if ref.Version == "" {
				b.current[ref.Path] = v
				continue
			}
			b.setVersionLocked(ref.Path, ref.Version, v)
		}
	}
}

// WithLatency makes every call wait d before answering, as
// SetLatency("", d) does. d must not be negative.
func WithLatency(d time.Duration) Option {
	return func(b *Backend) {
		if d < 0 {
			b.invalid(fmt.Sprintf("WithLatency(%s): want 0 or more", d))
			return
		}
		b.latency[""] = d
	}
}

// invalid records an invalid option value; the first one wins.
func (b *Backend) invalid(msg string) {
	if b.optErr == nil {
		b.optErr = errors.New("mock.New: " + msg)
	}
}

// New returns a Backend whose current (unversioned) values are a copy of
// values. values may be nil.
//
// New returns no error, so that a test can build a mock inline. An invalid
// option value (a negative WithLatency, an empty WithName) is reported
// instead by every call of the Backend: each fails with an error matching
// vaultly.ErrConfig that names the option. Such calls are still recorded.
func New(values map[string]string, opts ...Option) *Backend {
	b := &Backend{
		name:      "mock",
		current:   make(map[string]string, len(values)),
		versions:  make(map[string]map[string]string),
		fail:      make(map[string]error),
		failNext:  make(map[string]*countdown),
		latency:   make(map[string]time.Duration),
		holds:     make(map[*hold]struct{}),
		waitingCh: make(chan struct{}),
	}
	maps.Copy(b.current, values)
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(b)
		}
	}
	return b
}

// Name returns the name set with [WithName], "mock" by default, for
// wrappers such as the chain that name their members.
func (b *Backend) Name() string { return b.name }

// Set sets the current value of path, the one unversioned Refs read.
func (b *Backend) Set(path, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.current[path] = value
}

// SetVersion stores value as version of path. A Ref with that Version reads
// it; unversioned Refs keep reading the current value set by New or Set.
func (b *Backend) SetVersion(path, version, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setVersionLocked(path, version, value)
}

func (b *Backend) setVersionLocked(path, version, value string) {
	vs := b.versions[path]
	if vs == nil {
		vs = make(map[string]string)
		b.versions[path] = vs
	}
	vs[version] = value
}

// Delete removes path: its current value and all its versions.
func (b *Backend) Delete(path string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.current, path)
	delete(b.versions, path)
}

// lookupLocked reads the value for ref. b.mu must be held.
func (b *Backend) lookupLocked(ref vaultly.Ref) (string, bool) {
	if ref.Version == "" {
		v, ok := b.current[ref.Path]
		return v, ok
	}
	v, ok := b.versions[ref.Path][ref.Version]
	return v, ok
}
