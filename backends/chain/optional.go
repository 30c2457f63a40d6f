package chain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// ReadsKeys reports true: the chain serves Refs with a Key itself. A
// member that reads keys (backendkit.KeyBackend) is passed the Ref as it
// is; any other member is asked for the document (Key empty), and the
// chain takes the member with backendkit.Member. A document without the
// member is not found in that member, so the chain asks the next one; a
// document that is not a JSON object is vaultly.ErrConfig and stops it.
func (c *Backend) ReadsKeys() bool { return true }

// GetPrefix lists prefix in every member that can (a
// backendkit.PrefixBackend; the others are skipped, and so is a retry
// wrapper or a chain around backends that cannot) and merges the
// answers: for a key more than one member has, the first member's value
// wins, as Get would answer. A member's not-found answer is an empty
// listing. Any other failure stops the chain and is returned naming the
// member, except that with FallThroughOnTransient a transient failure
// leaves that member out (its keys are then served by later members, or
// missing), unless every member that can list failed: the first failure is
// returned. It stops once the merged answer holds more than max entries.
// Its errors name as asked only the members that can list. A chain with
// no member that can list is vaultly.ErrConfig naming the chain.
func (c *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	if c == nil || len(c.members) == 0 {
		return nil, errNotNew
	}
	ref := vaultly.Ref{Path: prefix}
	l := c.listers
	if l == nil {
		return nil, &vaultly.BackendError{Backend: "chain", Kind: vaultly.ErrConfig, Ref: ref,
			Msg: "no member of " + c.Name() + " can list a prefix"}
	}
	out := make(map[string]string)
	var st refState
	answered := false // some member listed, or answered that nothing is under prefix
	for i, m := range l.members {
		if err := ctx.Err(); err != nil {
			return nil, l.canceled(ref, err, i, nil)
		}
		got, err := m.getPrefix(ctx, prefix, max)
		if err != nil {
			if stop := l.judge(ctx, &st, ref, i, err); stop != nil {
				return nil, stop
			}
			answered = answered || errors.Is(err, vaultly.ErrNotFound)
			continue
		}
		answered = true
		for k, v := range got {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
		if len(out) > max {
			break
		}
	}
	if !answered {
		// Every member that can list failed, and fell through.
		return nil, fmt.Errorf("chain: %s: every member that can list failed, first %s: %w", ref, st.transientAt, st.transient)
	}
	return out, nil
}

// GetLease reads ref with GetLease from the members that read leases (a
// backendkit.LeaseBackend; the others are skipped, as are wrappers around
// them, as in GetPrefix), in order, as Get does:
// not found falls through, any other failure stops the chain. A Ref with
// a Key is asked of a member that does not read keys as its document, as
// in Get. Its errors name as asked only the members that read leases. A
// chain with no member that reads leases is vaultly.ErrConfig naming the
// chain.
func (c *Backend) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	if c == nil || len(c.members) == 0 {
		return "", 0, errNotNew
	}
	l := c.leasers
	if l == nil {
		return "", 0, &vaultly.BackendError{Backend: "chain", Kind: vaultly.ErrConfig, Ref: ref,
			Msg: "no member of " + c.Name() + " reads leases"}
	}
	var st refState
	for i, m := range l.members {
		if err := ctx.Err(); err != nil {
			return "", 0, l.canceled(ref, err, i, nil)
		}
		v, valid, err := m.getLease(ctx, ref)
		if err == nil {
			return v, valid, nil
		}
		if stop := l.judge(ctx, &st, ref, i, err); stop != nil {
			return "", 0, stop
		}
	}
	return "", 0, l.missing(&st, ref)
}

// getPrefix is m's GetPrefix, with a panic turned into errPanicked.
func (m member) getPrefix(ctx context.Context, prefix string, max int) (out map[string]string, err error) {
	defer func() {
		if recover() != nil {
			out, err = nil, errPanicked
		}
	}()
	return m.prefix.GetPrefix(ctx, prefix, max)
}

// getLease is m's GetLease, with a panic turned into errPanicked, and the
// member taken by the chain for a member that does not read keys.
func (m member) getLease(ctx context.Context, ref vaultly.Ref) (v string, valid time.Duration, err error) {
	defer func() {
		if recover() != nil {
			v, valid, err = "", 0, errPanicked
		}
	}()
	if ref.Key == "" || m.keys {
		return m.lease.GetLease(ctx, ref)
	}
	doc, valid, err := m.lease.GetLease(ctx, document(ref))
	if err != nil {
		return "", 0, err
	}
	v, err = backendkit.Member(m.name, ref, doc)
	if err != nil {
		return "", 0, err
	}
	return v, valid, nil
}

// A wrapper (retry) has GetPrefix and GetLease whatever the backend it
// wraps can do, and answers ErrConfig when that backend cannot; so does a
// chain none of whose members can. can looks through both, so that such a
// member is skipped like the backend it wraps instead of stopping the
// chain with that configuration error.

// unwrapper is a wrapper that says which backend it wraps (retry).
type unwrapper interface{ Unwrap() vaultly.Backend }

// maxWrapping bounds how deep can looks through wrappers.
const maxWrapping = 32

func lists(b vaultly.Backend) bool {
	_, ok := b.(backendkit.PrefixBackend)
	return ok
}

func leases(b vaultly.Backend) bool {
	_, ok := b.(backendkit.LeaseBackend)
	return ok
}

// can reports whether b has the method has checks for and the backends it
// wraps can serve it: a chain when one of its members can, a wrapper when
// its inner backend can.
func can(b vaultly.Backend, has func(vaultly.Backend) bool) bool {
	for range maxWrapping {
		if b == nil || !has(b) {
			return false
		}
		switch w := b.(type) {
		case *Backend:
			if w == nil {
				return false
			}
			for _, m := range w.members {
				if can(m.b, has) {
					return true
				}
			}
			return false
		case unwrapper:
			b = w.Unwrap()
		default:
			return true
		}
	}
	return true
}
