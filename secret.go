package vaultly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
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
// It is kept small (64 bytes) because a service may hold thousands: the
// field's name, options and hooks are read from the plan and the Loader.
type binding[T any] struct {
	l     *Loader
	s     *slot
	f     *planField // name, staleMax, optional
	ttl   time.Duration
	dec   decodeFunc
	snap  atomic.Pointer[snapshot[T]]
	stale bool

	logged atomic.Uint32 // the slot failure count last logged
}

// snapshot is a decoded entry with its expiry for this field, on the
// Loader's clock (see Loader.clock); forever when it never expires.
type snapshot[T any] struct {
	e       *entry
	val     T
	expires int64
}

const forever = math.MaxInt64

// Get returns the value, from the cache while it is fresh. When the TTL has
// run out it fetches again (one backend call however many goroutines ask);
// when that fails with ErrTransient and the field allows it, it returns the
// last good value and logs a warning. Errors are *FieldError values that
// name the field and the Ref.
func (s *Secret[T]) Get(ctx context.Context) (T, error) {
	if s == nil || s.b == nil {
		var zero T
		return zero, errNotLoaded
	}
	b := s.b
	if sn := b.snap.Load(); sn != nil && sn.e == b.s.cur.Load() {
		if sn.expires == forever {
			b.hit()
			return sn.val, nil
		}
		l := b.l
		if now := l.clock(); now < sn.expires {
			if l.o.refreshAhead > 0 && b.ttl > 0 && now >= b.refreshAt(sn) {
				l.refreshAhead(b.s, sn.e, now)
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
	if s == nil || s.b == nil {
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

// Format writes "***" for every fmt verb, %v, %s and %#v included (quoted
// for %q).
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
	if h := b.l.o.hooks; h != nil && h.OnCacheHit != nil {
		h.OnCacheHit(b.s.ref)
	}
}

// refreshAt is when refresh-ahead renews sn's entry: once it has lived
// the configured fraction of its (jittered) TTL.
func (b *binding[T]) refreshAt(sn *snapshot[T]) int64 {
	fetched := sn.e.fetched
	return fetched + int64(float64(sn.expires-fetched)*b.l.o.refreshAhead)
}

func (b *binding[T]) slow(ctx context.Context, force bool) (T, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	l, s := b.l, b.s
	now := l.clock()
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
	if b.f.spec.optional && errors.Is(err, ErrNotFound) {
		return zero, nil
	}
	if !force && b.stale && old != nil && staleAllowed(ctx, err) && b.withinBound(old, now) {
		b.staleServed(old, now, err)
		return b.use(old)
	}
	return zero, &FieldError{Field: b.f.name, Ref: s.ref, Err: err}
}

func (b *binding[T]) fresh(e *entry, now int64) bool {
	switch {
	case b.ttl == NeverExpires:
		return true
	case b.ttl == 0:
		return false
	}
	return now < e.expiry(b.ttl)
}

func (b *binding[T]) withinBound(e *entry, now int64) bool {
	staleMax := b.f.spec.staleMax
	return staleMax == 0 || time.Duration(now-e.expiry(b.ttl)) <= staleMax
}

// staleServed reports a stale answer: the hook every time, the warning
// once per failed fetch.
func (b *binding[T]) staleServed(e *entry, now int64, err error) {
	l, s := b.l, b.s
	age := time.Duration(now - e.expiry(b.ttl))
	if h := l.o.hooks; h != nil && h.OnStale != nil {
		h.OnStale(s.ref, age)
	}
	n := s.failures.Load()
	if b.logged.Swap(n) == n {
		return
	}
	attrs := []any{"field", b.f.name, "path", s.ref.String(), "stale_for", age.Round(time.Millisecond).String()}
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
	sn := &snapshot[T]{e: e, expires: forever}
	if err := b.dec(e.text, reflect.ValueOf(&sn.val).Elem()); err != nil {
		var zero T
		return zero, &FieldError{Field: b.f.name, Ref: b.s.ref, Err: err}
	}
	switch b.ttl {
	case NeverExpires:
	case 0:
		sn.expires = math.MinInt64 // never fresh, whatever the horizon says
	default:
		sn.expires = e.expiry(b.ttl)
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
	b := &binding[T]{l: l, s: sl, f: f, ttl: l.ttlFor(f), dec: dec, stale: stale}
	s.b = b
	return func(e *entry) error {
		_, err := b.use(e)
		return err
	}
}
