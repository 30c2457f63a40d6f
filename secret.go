package vaultly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"
)

// Secret is a lazily loaded secret of type T. Load binds it to its Ref and
// to the Loader's cache; Get reads through the cache. Its zero value is
// unbound: Get returns an ErrConfig error.
//
// A Secret never prints, marshals or logs its value: every fmt verb,
// JSON, text and slog show "***". Copies of a loaded Secret share the
// binding.
type Secret[T any] struct {
	b *binding[T]
}

// binding is what Load attaches to a Secret field.
type binding[T any] struct {
	l        *Loader
	s        *slot
	field    string
	ttl      time.Duration
	stale    bool
	staleMax time.Duration
	optional bool
	dec      decodeFunc
	onHit    func(Ref)

	snap   atomic.Pointer[snapshot[T]]
	logged atomic.Uint64 // the slot failure count last logged
}

// snapshot is a decoded entry with its deadlines for this field.
type snapshot[T any] struct {
	e         *entry
	val       T
	forever   bool
	expires   time.Time
	refreshAt time.Time // zero when refresh-ahead is off
}

// Get returns the value, from the cache while it is fresh. When the TTL has
// run out it fetches again (one backend call however many goroutines ask);
// when that fails with ErrTransient and the field allows it, it returns the
// last good value and logs a warning. Errors are *FieldError values that
// name the field and the Ref.
func (s *Secret[T]) Get(ctx context.Context) (T, error) {
	b := s.b
	if b == nil {
		var zero T
		return zero, errNotLoaded
	}
	if sn := b.snap.Load(); sn != nil && sn.e == b.s.cur.Load() {
		if sn.forever {
			b.hit()
			return sn.val, nil
		}
		now := b.l.o.now()
		if now.Before(sn.expires) {
			if !sn.refreshAt.IsZero() && !now.Before(sn.refreshAt) {
				b.l.refreshAhead(b.s, now)
			}
			b.hit()
			return sn.val, nil
		}
	}
	return b.slow(ctx, false)
}

// Refresh fetches the value from the backend now, whatever its TTL, and
// caches it for every field that names the same Ref. A failure is
// returned as it is: Refresh never answers with a stale value, but the
// cached value is kept for Get.
func (s *Secret[T]) Refresh(ctx context.Context) (T, error) {
	if s.b == nil {
		var zero T
		return zero, errNotLoaded
	}
	return s.b.slow(ctx, true)
}

// Ref returns the rendered path and version this Secret reads, or the zero
// Ref if it was never loaded.
func (s Secret[T]) Ref() Ref {
	if s.b == nil {
		return Ref{}
	}
	return s.b.s.ref
}

const mask = "***"

// String returns "***".
func (Secret[T]) String() string { return mask }

// GoString returns "***", so %#v does not show the value either.
func (Secret[T]) GoString() string { return mask }

// Format writes "***" for every verb (quoted for %q).
func (Secret[T]) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, `"***"`)
		return
	}
	fmt.Fprint(f, mask)
}

// MarshalJSON returns "***" as a JSON string.
func (Secret[T]) MarshalJSON() ([]byte, error) { return []byte(`"***"`), nil }

// MarshalText returns "***".
func (Secret[T]) MarshalText() ([]byte, error) { return []byte(mask), nil }

// LogValue returns "***" for log/slog.
func (Secret[T]) LogValue() slog.Value { return slog.StringValue(mask) }

func (b *binding[T]) hit() {
	if b.onHit != nil {
		b.onHit(b.s.ref)
	}
}

func (b *binding[T]) slow(ctx context.Context, force bool) (T, error) {
	l, s := b.l, b.s
	now := l.o.now()
	old := s.cur.Load()
	if !force && old != nil {
		if b.fresh(old, now) {
			return b.use(old)
		}
		if b.stale && l.recentFailure(s, now) && b.withinBound(old, now) {
			// The store failed moments ago: answer from the stale value
			// without asking it again on every read.
			b.staleServed(old, now, nil)
			return b.use(old)
		}
	}
	if h := l.o.hooks; h != nil && h.OnCacheMiss != nil {
		h.OnCacheMiss(s.ref)
	}
	e, err := l.fetch(ctx, s, force)
	if err == nil {
		return b.use(e)
	}
	var zero T
	if b.optional && errors.Is(err, ErrNotFound) {
		return zero, nil
	}
	if !force && b.stale && old != nil && staleAllowed(ctx, err) && b.withinBound(old, now) {
		b.staleServed(old, now, err)
		return b.use(old)
	}
	return zero, &FieldError{Field: b.field, Ref: s.ref, Err: err}
}

func (b *binding[T]) fresh(e *entry, now time.Time) bool {
	switch {
	case b.ttl == NeverExpires:
		return true
	case b.ttl == 0:
		return false
	}
	return now.Before(e.expiry(b.ttl))
}

func (b *binding[T]) withinBound(e *entry, now time.Time) bool {
	return b.staleMax == 0 || now.Sub(e.expiry(b.ttl)) <= b.staleMax
}

// staleServed reports a stale answer: the hook every time, the warning
// once per failed fetch.
func (b *binding[T]) staleServed(e *entry, now time.Time, err error) {
	l, s := b.l, b.s
	age := now.Sub(e.expiry(b.ttl))
	if h := l.o.hooks; h != nil && h.OnStale != nil {
		h.OnStale(s.ref, age)
	}
	n := s.failures.Load()
	if b.logged.Swap(n) == n {
		return
	}
	attrs := []any{"field", b.field, "path", s.ref.String(), "stale_for", age.Round(time.Millisecond).String()}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	l.o.logger.Warn("vaultly: backend unavailable, serving last good value", attrs...)
}

// use decodes e for this field, reusing the snapshot when it is of e.
func (b *binding[T]) use(e *entry) (T, error) {
	if sn := b.snap.Load(); sn != nil && sn.e == e {
		return sn.val, nil
	}
	sn := &snapshot[T]{e: e}
	if err := b.dec(e.text, reflect.ValueOf(&sn.val).Elem()); err != nil {
		var zero T
		return zero, &FieldError{Field: b.field, Ref: b.s.ref, Err: err}
	}
	switch {
	case b.ttl == NeverExpires:
		sn.forever = true
	default:
		sn.expires = e.expiry(b.ttl)
		if f := b.l.o.refreshAhead; f > 0 && b.ttl > 0 {
			sn.refreshAt = e.fetched.Add(time.Duration(float64(sn.expires.Sub(e.fetched)) * f))
		}
	}
	b.snap.Store(sn)
	return sn.val, nil
}

// secretField is implemented by *Secret[T] for every T; Load uses it to
// find Secret fields and bind them without knowing T.
type secretField interface {
	elemType() reflect.Type
	bind(l *Loader, s *slot, f *planField, dec decodeFunc, stale bool) (check func(*entry) error)
}

var secretFieldType = reflect.TypeFor[secretField]()

func isSecretType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(secretFieldType)
}

func (*Secret[T]) elemType() reflect.Type { return reflect.TypeFor[T]() }

func (s *Secret[T]) bind(l *Loader, sl *slot, f *planField, dec decodeFunc, stale bool) func(*entry) error {
	b := &binding[T]{
		l:        l,
		s:        sl,
		field:    f.name,
		ttl:      l.ttlFor(f),
		stale:    stale,
		staleMax: f.spec.staleMax,
		optional: f.spec.optional,
		dec:      dec,
	}
	if h := l.o.hooks; h != nil {
		b.onHit = h.OnCacheHit
	}
	s.b = b
	return func(e *entry) error {
		_, err := b.use(e)
		return err
	}
}
