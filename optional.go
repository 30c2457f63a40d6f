package vaultly

import (
	"context"
	"fmt"
	"time"

	"github.com/vaultly/vaultly/internal/contract"
)

// The optional interfaces a backend may implement, found with a type
// assertion. They are backendkit.KeyBackend, PrefixBackend and
// LeaseBackend, which this package cannot name (backendkit imports it);
// TestOptionalInterfacesAgree checks that each pair has one method set.
type (
	keyBackend interface {
		Backend
		ReadsKeys() bool
	}
	prefixBackend interface {
		Backend
		GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error)
	}
	leaseBackend interface {
		Backend
		GetLease(ctx context.Context, ref Ref) (value string, valid time.Duration, err error)
	}
)

// readKind is how a field is read from the backend.
type readKind uint8

const (
	readGet    readKind = iota // Get, or GetBatch at Load
	readPrefix                 // GetPrefix: every secret under a folder (prefix.go)
	readLease                  // GetLease: a value with its own lifetime (lease.go)
)

func (s *tagSpec) kind() readKind {
	switch {
	case s.prefix:
		return readPrefix
	case s.lease:
		return readLease
	}
	return readGet
}

// readsKeys reports whether b takes JSON members itself (a keyBackend
// whose ReadsKeys says so). A ReadsKeys that panics says no.
func readsKeys(b Backend) (yes bool) {
	kb, ok := b.(keyBackend)
	if !ok {
		return false
	}
	defer func() {
		if recover() != nil {
			yes = false
		}
	}()
	return kb.ReadsKeys()
}

// canRead is the configuration error of a field that l's backend cannot
// read the way its tag asks (prefix, lease), naming the field and the
// backend, or nil.
func (l *Loader) canRead(f *planField) error {
	var need string
	switch f.kind {
	case readPrefix:
		if _, ok := l.b.(prefixBackend); ok {
			return nil
		}
		need = "option prefix needs a backend that can list a folder (backendkit.PrefixBackend)"
	case readLease:
		if _, ok := l.b.(leaseBackend); ok {
			return nil
		}
		need = "option lease needs a backend whose values carry a lease (backendkit.LeaseBackend)"
	default:
		return nil
	}
	return configErr(f.name, fmt.Sprintf("%s; %s is not one", need, contract.Name(l.b)))
}

// call asks the backend for what the slot k reads: the value of a Ref,
// with the member taken by the core when the Ref has a key the backend
// does not read itself; every secret under a prefix, as the text
// prefixText makes of them; or a leased value and how long it stays
// valid.
func (l *Loader) call(ctx context.Context, k slotKey) (string, time.Duration, error) {
	asked := l.asked(k.ref) // prefix and lease tags have no key (checkCombinations)
	text, m, valid, err := l.ask(ctx, k.kind, asked, k.max)
	switch {
	case k.kind == readPrefix && err == nil:
		text, err = prefixText(k, m)
	case asked != k.ref:
		text, err = member(k.ref, text, err)
	}
	return text, valid, err
}

// ask makes one backend call of the given kind, reports it to the OnFetch
// hook, and turns a panic into an ErrTransient error (the panic value is
// not kept: it may hold a secret).
func (l *Loader) ask(ctx context.Context, kind readKind, ref Ref, max int) (text string, m map[string]string, valid time.Duration, err error) {
	start := time.Now() // wall time for the hook, whatever WithClock says
	returned := false
	defer func() {
		if !returned { // a panic, or runtime.Goexit (which goes on after this)
			recover()
			text, m, valid, err = "", nil, 0, l.panicked(ref)
		}
		if h := l.o.hooks; h != nil && h.OnFetch != nil {
			h.OnFetch(ref, time.Since(start), err)
		}
	}()
	bctx := l.backendContext(ctx)
	switch kind {
	case readPrefix:
		m, err = l.b.(prefixBackend).GetPrefix(bctx, ref.Path, max)
	case readLease:
		text, valid, err = l.b.(leaseBackend).GetLease(bctx, ref)
	default:
		text, err = l.b.Get(bctx, ref)
	}
	returned = true
	return text, m, valid, err
}
