package vaultly

import (
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// neverExpires is the TTL of a field with no ttl option unless
// WithDefaultTTL says otherwise: the value is fetched once and kept.
const neverExpires time.Duration = math.MaxInt64

// Option configures Load and New.
type Option func(*options)

type options struct {
	vars         map[string]string   // by lower-cased name
	varKeys      map[string][]string // the spellings given for each name
	defaultTTL   time.Duration
	stale        bool
	staleRetry   time.Duration
	prefetch     bool
	concurrency  int
	decoders     decoders
	logger       *slog.Logger
	hooks        *Hooks
	now          func() time.Time // nil: the real clock
	jitter       float64
	refreshAhead float64
	maxEntries   int // 0: unbounded
	invalid      []string
}

func defaultOptions() options {
	return options{
		defaultTTL:  neverExpires,
		prefetch:    true,
		staleRetry:  5 * time.Second,
		concurrency: 16,
		jitter:      defaultJitter,
		logger:      slog.New(slog.DiscardHandler),
	}
}

// WithVars supplies template variables. They take precedence over the
// root struct's fields. Names match case-insensitively, so two keys that
// differ only in case ("Stage" and "stage"), in one call or across calls,
// are an ErrConfig error from New naming both. A key given again in a
// later call replaces the earlier value.
func WithVars(vars map[string]string) Option {
	return func(o *options) {
		if o.vars == nil {
			o.vars = make(map[string]string, len(vars))
			o.varKeys = make(map[string][]string, len(vars))
		}
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the same message every time
		for _, k := range keys {
			lower := strings.ToLower(k)
			spellings := o.varKeys[lower]
			if !slices.Contains(spellings, k) {
				spellings = append(spellings, k)
				o.varKeys[lower] = spellings
				if len(spellings) > 1 {
					o.varConflict(lower, spellings)
				}
			}
			o.vars[lower] = vars[k] // kept lower-cased, as templates are matched
		}
	}
}

// varConflict reports the keys that name one variable, once per name: a
// third spelling replaces the message about the first two.
func (o *options) varConflict(name string, spellings []string) {
	quoted := make([]string, len(spellings))
	for i, s := range spellings {
		quoted[i] = strconv.Quote(s)
	}
	prefix := "WithVars: keys that differ only in case name one variable <" + name + ">: "
	msg := prefix + strings.Join(quoted, ", ")
	for i, m := range o.invalid {
		if strings.HasPrefix(m, prefix) {
			o.invalid[i] = msg
			return
		}
	}
	o.invalid = append(o.invalid, msg)
}

// WithDefaultTTL sets the TTL of fields whose tag has no ttl option. The
// default is forever: such a value is fetched once and kept. Zero means
// such fields are never cached.
func WithDefaultTTL(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.invalid = append(o.invalid, "WithDefaultTTL: negative duration")
			return
		}
		o.defaultTTL = d
	}
}

// WithStaleOnError makes every Secret field behave as if its tag said
// stale_on_error: when a refresh fails with ErrTransient, the last good
// value is served and a warning is logged.
func WithStaleOnError(on bool) Option { return func(o *options) { o.stale = on } }

// WithStaleRetryInterval sets how long a Secret that is serving a stale
// value waits after a failed refresh before it asks the backend again
// (default 5s). It keeps a store that is down from being asked on every
// read, which would also make every read wait for the backend's timeout.
func WithStaleRetryInterval(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.invalid = append(o.invalid, "WithStaleRetryInterval: negative duration")
			return
		}
		o.staleRetry = d
	}
}

// WithPrefetch sets whether Load fetches and decodes Secret fields too, in
// the same round trip as the plain fields. It is on by default, so that
// every missing or malformed secret fails at startup, at once, and the
// first Get is warm. WithPrefetch(false) makes Secret fields lazy: Load
// only binds them and the first Get fetches, so a missing secret is found
// when it is first used.
func WithPrefetch(on bool) Option { return func(o *options) { o.prefetch = on } }

// WithConcurrency bounds how many Gets Load runs at once against a backend
// that cannot batch (default 16).
func WithConcurrency(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.invalid = append(o.invalid, "WithConcurrency: must be at least 1")
			return
		}
		o.concurrency = n
	}
}

// WithDecoder overrides how text becomes a T, for plain fields of type T
// and for Secret[T]. The type must match exactly. If fn's error message
// contains the text, the message is withheld.
func WithDecoder[T any](fn func(string) (T, error)) Option {
	return func(o *options) {
		if fn == nil {
			o.invalid = append(o.invalid, "WithDecoder: nil function")
			return
		}
		if o.decoders == nil {
			o.decoders = decoders{}
		}
		o.decoders[reflect.TypeFor[T]()] = customDecoder(fn)
	}
}

// WithLogger sets where warnings (stale values served, background refresh
// failures) go. The default discards everything. No secret value is ever
// logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l == nil {
			o.invalid = append(o.invalid, "WithLogger: nil logger")
			return
		}
		o.logger = l
	}
}

// WithHooks installs metrics and tracing callbacks.
func WithHooks(h Hooks) Option { return func(o *options) { o.hooks = &h } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now == nil {
			o.invalid = append(o.invalid, "WithClock: nil function")
			return
		}
		o.now = now
	}
}

// WithMaxEntries bounds the cache to n values (n at least 1; unbounded by
// default). When a fetch would make n+1, the value least recently read
// (approximately: bound.go) is dropped; a Secret reading it stays valid and
// fetches it again on its next Get, and a fetch in flight is never cut
// short. A Secret keeps the value it last returned until its next Get.
func WithMaxEntries(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.invalid = append(o.invalid, "WithMaxEntries: must be at least 1")
			return
		}
		o.maxEntries = n
	}
}

// defaultJitter is WithTTLJitter's default, off: docs/decisions.md,
// "Fleet scale (issue 13)" (jitter bunched a steady fleet's refreshes
// near its quota, and refreshing together keeps a fleet in lockstep
// inside it without jitter).
const defaultJitter = 0

// WithTTLJitter draws each backend call's TTL from [ttl*(1-f), ttl], so
// that a fleet started together does not refresh together. f is in [0, 1);
// off (0) by default: every entry lives its full TTL. Jitter only ever
// shortens a TTL: ttl= stays a maximum age. The entries one call fetches
// (a Load's GetBatch, a refresh together) share one draw, so they expire,
// and are refreshed, together. It spreads a fleet that started in the
// same instant, at the price of bunching one whose refreshes were spread
// evenly: see docs/performance.md ("Fleets and quotas").
func WithTTLJitter(f float64) Option {
	return func(o *options) {
		if !(f >= 0 && f < 1) {
			o.invalid = append(o.invalid, "WithTTLJitter: fraction must be in [0, 1)")
			return
		}
		o.jitter = f
	}
}

// WithRefreshAhead renews an entry in the background once it has lived f
// of its TTL (f in (0, 1)): the read that notices returns the current value
// at once and starts one refresh. Off by default. Call Loader.Close to
// stop background work.
func WithRefreshAhead(f float64) Option {
	return func(o *options) {
		if !(f > 0 && f < 1) {
			o.invalid = append(o.invalid, "WithRefreshAhead: fraction must be in (0, 1)")
			return
		}
		o.refreshAhead = f
	}
}
