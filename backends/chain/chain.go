package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

// DefaultConcurrency bounds the concurrent Gets that GetBatch makes to a
// member that cannot batch.
const DefaultConcurrency = 16

// Backend tries its members in order. It is safe for concurrent use when
// its members are. The zero value is not usable (its calls fail with
// vaultly.ErrConfig); use New.
type Backend struct {
	members       []member
	fallTransient bool
	concurrency   int
	// listers and leasers are the chain of the members that can list a
	// prefix and of those that read leases, which GetPrefix and GetLease
	// ask, so that their errors name only the members asked; nil when no
	// member can.
	listers, leasers *Backend
}

type member struct {
	b      vaultly.Backend
	batch  vaultly.BatchBackend     // nil when b cannot batch
	prefix backendkit.PrefixBackend // nil when b cannot list a prefix
	lease  backendkit.LeaseBackend  // nil when b reads no leases
	keys   bool                     // b takes members of JSON documents itself
	name   string
}

var (
	_ vaultly.BatchBackend     = (*Backend)(nil)
	_ backendkit.KeyBackend    = (*Backend)(nil)
	_ backendkit.PrefixBackend = (*Backend)(nil)
	_ backendkit.LeaseBackend  = (*Backend)(nil)
)

// An Option configures New.
type Option func(*options)

type options struct {
	fallTransient bool
	concurrency   int
	names         []string
	namesSet      bool
}

// FallThroughOnTransient lets a member's ErrTransient failure fall through
// to the next member, like ErrNotFound (default off: a transient failure
// stops the chain). When a later member has the secret, its value is
// returned; when none has it, the first transient error is returned (not
// ErrNotFound, since the failed member may hold it).
func FallThroughOnTransient(on bool) Option {
	return func(o *options) { o.fallTransient = on }
}

// WithNames names the members, in order, for error messages. There must be
// one non-empty name per member.
func WithNames(names ...string) Option {
	return func(o *options) { o.names, o.namesSet = names, true }
}

// WithConcurrency bounds how many Gets GetBatch runs at once against a
// member that cannot batch (default DefaultConcurrency). It must be at
// least 1.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency = n }
}

// New returns a chain that tries backends in order:
//
//	chain.New([]vaultly.Backend{primary, replica},
//		chain.FallThroughOnTransient(true), chain.WithNames("primary", "replica"))
//
// At least one backend is needed, none may be nil, and every option must
// be valid (see each option); otherwise the error matches vaultly.ErrConfig
// and names what is wrong.
func New(backends []vaultly.Backend, opts ...Option) (*Backend, error) {
	o := options{concurrency: DefaultConcurrency}
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(&o)
		}
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("chain: %w: "+format, append([]any{vaultly.ErrConfig}, args...)...))
	}
	if len(backends) == 0 {
		bad("no backends")
	}
	for i, b := range backends {
		if b == nil {
			bad("backend %d is nil", i+1)
		}
	}
	if o.concurrency < 1 {
		bad("WithConcurrency(%d): want at least 1", o.concurrency)
	}
	if o.namesSet && len(o.names) != len(backends) {
		bad("WithNames has %d names for %d backends", len(o.names), len(backends))
	}
	for i, n := range o.names {
		if n == "" {
			bad("WithNames: name %d is empty", i+1)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	names := make([]string, len(backends))
	for i, b := range backends {
		if o.namesSet {
			names[i] = o.names[i]
		} else {
			names[i] = backendkit.Name(b)
		}
	}
	names = disambiguate(names)
	c := &Backend{fallTransient: o.fallTransient, concurrency: o.concurrency, members: make([]member, len(backends))}
	for i, b := range backends {
		m := member{b: b, name: names[i]}
		m.batch, _ = b.(vaultly.BatchBackend)
		if can(b, lists) {
			m.prefix, _ = b.(backendkit.PrefixBackend)
		}
		if can(b, leases) {
			m.lease, _ = b.(backendkit.LeaseBackend)
		}
		kb, ok := b.(backendkit.KeyBackend)
		m.keys = ok && kb.ReadsKeys()
		c.members[i] = m
	}
	c.listers = c.only(func(m member) bool { return m.prefix != nil })
	c.leasers = c.only(func(m member) bool { return m.lease != nil })
	return c, nil
}

// only returns the chain of c's members that keep says to keep, with c's
// options, or nil when there is none.
func (c *Backend) only(keep func(member) bool) *Backend {
	var ms []member
	for _, m := range c.members {
		if keep(m) {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil
	}
	return &Backend{members: ms, fallTransient: c.fallTransient, concurrency: c.concurrency}
}

// Name returns "chain(<name>, <name>, ...)".
func (c *Backend) Name() string {
	names := make([]string, len(c.members))
	for i, m := range c.members {
		names[i] = m.name
	}
	return "chain(" + strings.Join(names, ", ") + ")"
}

// Get asks each member in turn for ref and returns the first value found.
// ErrNotFound falls through to the next member; any other failure stops
// the chain (see FallThroughOnTransient) and is returned wrapped with the
// member's name. A Ref no member has is an error matching
// vaultly.ErrNotFound that lists the members asked.
func (c *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if c == nil || len(c.members) == 0 {
		return "", errNotNew
	}
	var st refState
	for i, m := range c.members {
		if err := ctx.Err(); err != nil {
			return "", c.canceled(ref, err, i, nil)
		}
		v, err := m.get(ctx, ref)
		if err == nil {
			return v, nil
		}
		if stop := c.judge(ctx, &st, ref, i, err); stop != nil {
			return "", stop
		}
	}
	return "", c.missing(&st, ref)
}

// errNotNew is returned by a Backend that did not come from New.
var errNotNew = fmt.Errorf("chain: %w: backend not created with chain.New", vaultly.ErrConfig)

// refState is what the chain remembers about one Ref while falling
// through.
type refState struct {
	transient   error  // the first transient failure that fell through
	transientAt string // the member that failed
	// notFound[i] is member i's detail of its not-found answer (the
	// BackendError's Msg, such as env's "variable MYAPP_X is not set");
	// nil until a member gives one.
	notFound []string
}

// judge decides what a member's failure for ref means: nil to fall
// through to the next member, or the error that ends the chain for ref.
func (c *Backend) judge(ctx context.Context, st *refState, ref vaultly.Ref, i int, err error) error {
	m := c.members[i]
	if cerr := ctx.Err(); cerr != nil {
		return c.canceled(ref, cerr, i+1, err)
	}
	if vaultly.KindOf(err) == "unknown" {
		// The contract: an unclassified failure is transient.
		err = backendkit.NewError(m.name, vaultly.ErrTransient, ref, err)
	}
	switch {
	case errors.Is(err, vaultly.ErrNotFound):
		var be *vaultly.BackendError
		if errors.As(err, &be) && be.Msg != "" {
			if st.notFound == nil {
				st.notFound = make([]string, len(c.members))
			}
			st.notFound[i] = be.Msg
		}
		return nil
	case c.fallTransient && errors.Is(err, vaultly.ErrTransient):
		if st.transient == nil {
			st.transient, st.transientAt = err, m.name
		}
		return nil
	}
	return fmt.Errorf("chain: %s failed (asked %s): %w", m.name, strings.Join(c.asked(i+1), ", "), err)
}

// missing is the error for a Ref that every member was asked for and none
// returned. It lists the members asked, each followed by the detail of its
// not-found answer when it gave one: "asked env(MYAPP) (variable
// MYAPP_DB_PASSWORD is not set), ssm".
func (c *Backend) missing(st *refState, ref vaultly.Ref) error {
	names := c.asked(len(c.members))
	for i, detail := range st.notFound {
		if detail != "" {
			names[i] += " (" + detail + ")"
		}
	}
	asked := strings.Join(names, ", ")
	if st.transient != nil {
		return fmt.Errorf("chain: %s: not found elsewhere, and %s failed (asked %s): %w",
			ref, st.transientAt, asked, st.transient)
	}
	return &vaultly.BackendError{Backend: "chain", Kind: vaultly.ErrNotFound, Ref: ref, Msg: "asked " + asked}
}

// asked returns the names of the first n members.
func (c *Backend) asked(n int) []string {
	names := make([]string, n)
	for i := range n {
		names[i] = c.members[i].name
	}
	return names
}

// canceled reports the end of the caller's context after asking the
// first n members, with backendkit.NewCanceledError: it matches ctxErr and
// no error kind. The cause says which members were asked, and wraps the
// last member's error only when that error is itself a cancellation (a
// member's not-found or transient answer to a dying context must not make
// the chain's error match a kind).
func (c *Backend) canceled(ref vaultly.Ref, ctxErr error, n int, last error) error {
	where := "before asking any backend"
	if n > 0 {
		where = "after asking " + strings.Join(c.asked(n), ", ")
	}
	cause := errors.New(where)
	if last != nil && vaultly.KindOf(last) == "canceled" {
		cause = fmt.Errorf("%s: %w", where, last)
	}
	return backendkit.NewCanceledError("chain", ref, ctxErr, cause)
}

// errPanicked (fanout.ErrPanicked) is a member's answer when it panicked. Like any failure that
// matches no kind, judge turns it into an ErrTransient error naming the
// member and the Ref ("<member>: <ref>: transient backend failure:
// backend panicked"), so a retry or a later member may still answer. The
// panic value is never kept: it may hold a secret.
var errPanicked = fanout.ErrPanicked

// get is m's Get, with a panic turned into errPanicked. A Ref with a Key
// is asked of a member that does not read keys as its document, whose
// member the chain then takes.
func (m member) get(ctx context.Context, ref vaultly.Ref) (v string, err error) {
	defer func() {
		if recover() != nil {
			v, err = "", errPanicked
		}
	}()
	if ref.Key == "" || m.keys {
		return m.b.Get(ctx, ref)
	}
	doc, err := m.b.Get(ctx, document(ref))
	if err != nil {
		return "", err
	}
	return backendkit.Member(m.name, ref, doc)
}

// document is the Ref of the JSON document that holds ref's member.
func document(ref vaultly.Ref) vaultly.Ref {
	ref.Key = ""
	return ref
}

// getBatch is m's GetBatch, with a panic turned into errPanicked for the
// whole batch.
func (m member) getBatch(ctx context.Context, refs []vaultly.Ref) (vals map[vaultly.Ref]string, err error) {
	defer func() {
		if recover() != nil {
			vals, err = nil, errPanicked
		}
	}()
	return m.batch.GetBatch(ctx, refs)
}

// disambiguate appends "#<position>" to names that occur more than once.
func disambiguate(names []string) []string {
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	out := make([]string, len(names))
	for i, n := range names {
		if count[n] > 1 {
			n = fmt.Sprintf("%s#%d", n, i+1)
		}
		out[i] = n
	}
	return out
}
