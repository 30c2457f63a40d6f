package vaultly

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/vaultly/vaultly/internal/contract"
)

// Secret is a secret of type T read through the Loader's cache, and
// refreshed when its TTL runs out. Load binds it to its Ref and to the
// cache, and fetches and checks it too unless WithPrefetch(false) leaves it
// to the first Get. Its zero value is unbound: Get returns an ErrConfig
// error.
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

	logged atomic.Uint64 // the seq of the failure last logged
}

// snapshot is a decoded entry with its expiry for this field, on the
// Loader's clock (see Loader.clock); forever when it never expires.
type snapshot[T any] struct {
	e       *entry
	val     T
	expires int64
}

const forever = math.MaxInt64

var errNotLoaded = fmt.Errorf("vaultly: %w: this Secret was never loaded: the struct that holds it was not filled by a Load that succeeded (a Load that fails changes nothing: see the error it returned)", ErrConfig)

// Get returns the value, from the cache while it is fresh. When the TTL has
// run out it fetches again (one backend call however many goroutines ask);
// when that fails transiently (ErrTransient, or an unclassified failure)
// and the field allows it, it returns the last good value and logs a
// warning. Errors are *FieldError values that
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
			return b.own(sn)
		}
		if now := b.l.clock(); now < sn.expires {
			if f := b.l.o.refreshAhead; f > 0 && now >= b.refreshAt(sn, f) {
				b.l.refreshAhead(b.s, sn.e, now)
			}
			b.hit()
			return b.own(sn)
		}
	}
	return b.slow(ctx, false)
}

// Refresh fetches the value from the backend now, whatever its TTL, and
// caches it for every field that names the same Ref. It never takes the
// answer of a fetch that started before it. A failure is returned as it
// is: Refresh never answers with a stale value. After a transient failure
// the cached value stays for Get; after not found or denied it is dropped.
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

// touch marks the slot read, so that the WithMaxEntries hand passes it
// once (bound.go).
func (b *binding[T]) touch() {
	if b.l.o.maxEntries > 0 && !b.s.used.Load() {
		b.s.used.Store(true)
	}
}

// refreshAt is when refresh-ahead renews sn's entry: once it has lived the
// fraction f of its (jittered) TTL.
func (b *binding[T]) refreshAt(sn *snapshot[T], f float64) int64 {
	return sn.e.fetched + int64(float64(sn.expires-sn.e.fetched)*f)
}

func (b *binding[T]) hit() {
	b.touch()
	if h := b.l.o.hooks; h != nil && h.OnCacheHit != nil {
		h.OnCacheHit(b.s.ref)
	}
}

// expiry is when e stops being fresh for this field, on the Loader's
// clock: forever under neverExpires, at once (its fetch time) under ttl=0,
// else its fetch time plus the TTL less e's jitter; and, for a value with
// a lease, no later than its fetch time plus two thirds of the lease
// (lease.go). It is the one rule of freshness: e is fresh while the clock
// reads less than its expiry.
func (b *binding[T]) expiry(e *entry) int64 {
	ttl := b.ttl
	if e.jitter > 0 && ttl != neverExpires {
		ttl = time.Duration(float64(ttl) * (1 - e.jitter))
	}
	switch {
	case e.lease < 0: // a lease that had ended when it came
		return e.fetched
	case e.lease > 0 && e.lease < ttl:
		ttl = e.lease
	case ttl == neverExpires:
		return forever
	}
	if e.fetched > forever-int64(ttl) {
		return forever
	}
	return e.fetched + int64(ttl)
}

// serveStale reports whether e, expired, may answer a read at now instead
// of a new value: the field allows stale values, the caller still waits,
// e has not been stale longer than the field's bound, e is still the
// slot's value (not dropped or replaced), and the store's last failure was
// transient: err, the failure of a fetch just made, or else a failure
// recent enough that the store is not asked again yet, which happened
// while e was the value. It is the one rule of staleness.
func (b *binding[T]) serveStale(ctx context.Context, e *entry, now int64, err error) bool {
	if !b.stale || e == nil || ctx.Err() != nil || b.s.cur.Load() != e {
		return false
	}
	if bound := b.f.spec.staleMax; bound > 0 && time.Duration(now-b.expiry(e)) > bound {
		return false
	}
	if err != nil {
		return isTransient(err)
	}
	f := b.l.recentFailure(b.s, now)
	return f != nil && f.after == e
}

// slow is Get (and, with force, Refresh) when the snapshot cannot answer.
func (b *binding[T]) slow(ctx context.Context, force bool) (T, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	l, s := b.l, b.s
	now := l.clock()
	seen := s.cur.Load()
	if !force && seen != nil {
		if now < b.expiry(seen) { // fresh: another field or a Load fetched it
			b.hit()
			return b.use(seen)
		}
		if b.serveStale(ctx, seen, now, nil) {
			b.staleServed(seen, now, nil)
			return b.use(seen)
		}
	}
	if h := l.o.hooks; h != nil && h.OnCacheMiss != nil {
		h.OnCacheMiss(s.ref)
	}
	e, err := l.fetch(ctx, s, seen, force)
	if err == nil {
		return b.use(e)
	}
	var zero T
	if b.f.spec.optional && errors.Is(err, ErrNotFound) {
		if b.f.spec.prefix { // nothing under the prefix: an empty map
			_ = b.dec(emptyPrefix, reflect.ValueOf(&zero).Elem())
		}
		return zero, nil
	}
	// The slot's value now (another call may have replaced it meanwhile),
	// if fresh or, for Get, if it may be served stale.
	if cur := s.cur.Load(); !force && cur != nil {
		if now := l.clock(); now < b.expiry(cur) {
			return b.use(cur)
		} else if b.serveStale(ctx, cur, now, err) {
			b.staleServed(cur, now, err)
			return b.use(cur)
		}
	}
	return zero, &FieldError{Field: b.f.name, Ref: s.ref, Err: nameBackend(contract.Name(l.b), err)}
}

// staleServed reports a stale answer: the hook every time, the warning
// once per failed fetch.
func (b *binding[T]) staleServed(e *entry, now int64, err error) {
	l, s := b.l, b.s
	age := time.Duration(now - b.expiry(e))
	if h := l.o.hooks; h != nil && h.OnStale != nil {
		h.OnStale(s.ref, age)
	}
	var seq uint64
	if f := s.fail.Load(); f != nil {
		seq = f.seq
		if err == nil {
			err = f.err // a failure of another reader's call
		}
	}
	if seq != 0 && b.logged.Swap(seq) == seq {
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
	b.touch()
	if sn := b.snap.Load(); sn != nil && sn.e == e {
		return b.own(sn)
	}
	sn := &snapshot[T]{e: e, expires: b.expiry(e)}
	if err := b.dec(e.text, reflect.ValueOf(&sn.val).Elem()); err != nil {
		var zero T
		return zero, &FieldError{Field: b.f.name, Ref: b.s.ref, Err: err}
	}
	b.snap.Store(sn)
	return b.own(sn)
}

// own returns sn's value for the caller to keep: the cached value itself
// when a T cannot share memory with it, else a copy (a []byte cloned, any
// other T decoded afresh from the text), so that a caller that clears a
// key after use, or changes a map, does not do it for every reader.
func (b *binding[T]) own(sn *snapshot[T]) (T, error) {
	if !b.f.shared {
		return sn.val, nil
	}
	if p, ok := any(&sn.val).(*[]byte); ok {
		c := bytes.Clone(*p)
		return *any(&c).(*T), nil
	}
	var v T
	if err := b.dec(sn.e.text, reflect.ValueOf(&v).Elem()); err != nil {
		return v, &FieldError{Field: b.f.name, Ref: b.s.ref, Err: err}
	}
	return v, nil
}

// immutable are the types that hold pointers a caller cannot write
// through: a T of these is handed out as it is.
var immutable = map[reflect.Type]bool{
	reflect.TypeFor[time.Time]():      true,
	reflect.TypeFor[netip.Addr]():     true,
	reflect.TypeFor[netip.Prefix]():   true,
	reflect.TypeFor[netip.AddrPort](): true,
}

// sharesMemory reports whether two copies of a t value can share memory
// that a holder of one can change: slices, maps, pointers, interfaces,
// and structs and arrays holding any of them.
func sharesMemory(t reflect.Type) bool {
	if immutable[t] {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return sharesMemory(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if sharesMemory(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
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
	sl.noteTTL(b.ttl)
	s.b = b
	return func(e *entry) error {
		_, err := b.use(e)
		return err
	}
}
