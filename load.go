package vaultly

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// Loader loads structs from one backend and owns the cache that their
// Secret fields read through. A Loader is safe for concurrent use. Call
// Close when done if refresh-ahead is on.
type Loader struct {
	b     Backend
	o     options
	cache cache

	// epoch is the clock's reading at New; Secrets keep their expiries
	// as nanoseconds since it (see clock).
	epoch time.Time

	bgMu     sync.Mutex // guards bgCtx, bgCancel and closed
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
	closed   bool
}

// New returns a Loader that reads from b.
func New(b Backend, opts ...Option) *Loader {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(&o)
		}
	}
	return &Loader{b: b, o: o, epoch: o.now()}
}

// clock returns the time as nanoseconds since l.epoch. With the real
// clock that is time.Since, monotonic and one clock read where time.Now
// is two: it is on the path of every warm Get.
func (l *Loader) clock() int64 {
	if !l.o.customClock {
		return int64(time.Since(l.epoch))
	}
	return int64(l.o.now().Sub(l.epoch))
}

// Load fills dst, a pointer to a struct, from b. See Loader.Load.
func Load(dst any, b Backend, opts ...Option) error {
	return LoadContext(context.Background(), dst, b, opts...)
}

// LoadContext is Load with a context for the backend calls.
func LoadContext(ctx context.Context, dst any, b Backend, opts ...Option) error {
	return New(b, opts...).Load(ctx, dst)
}

// Invalidate drops the cached values of refs: the next Get of each fetches.
func (l *Loader) Invalidate(refs ...Ref) { l.cache.invalidate(refs) }

// InvalidateAll drops every cached value.
func (l *Loader) InvalidateAll() { l.cache.invalidateAll() }

// Close stops background refreshes and waits for those running to end.
// Secrets stay readable; they fetch on the reader's goroutine from then on.
func (l *Loader) Close() error {
	l.bgMu.Lock()
	l.closed = true
	if l.bgCancel != nil {
		l.bgCancel()
	}
	l.bgMu.Unlock()
	l.bg.Wait()
	return nil
}

// Load fills dst, which must be a non-nil pointer to a struct.
//
// It validates every tag, template and field type first and fetches
// nothing if any is wrong. Then it fetches every plain field (and every
// Secret field under WithPrefetch) in as few round trips as the backend
// allows: one GetBatch for a BatchBackend, otherwise Gets with bounded
// concurrency; a Ref named by several fields is fetched once. Secret
// fields are bound to the Loader's cache.
//
// Every failing field is reported at once, as *FieldError values joined
// with errors.Join, and dst is left untouched when anything failed.
func (l *Loader) Load(ctx context.Context, dst any) error {
	if l.b == nil {
		return fmt.Errorf("vaultly: %w: nil backend", ErrConfig)
	}
	if ctx == nil {
		return fmt.Errorf("vaultly: %w: nil context (use context.Background())", ErrConfig)
	}
	if len(l.o.invalidOption) > 0 {
		return fmt.Errorf("vaultly: %w: %s", ErrConfig, strings.Join(l.o.invalidOption, "; "))
	}
	rv := reflect.ValueOf(dst)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("vaultly: %w: Load needs a non-nil pointer to a struct, got %T", ErrConfig, dst)
	}
	p := planFor(rv.Elem().Type())
	root := rv.Elem()
	jobs, rs, errs := l.prepare(p, root)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	slots, fetched := l.fetchAll(ctx, jobs, rs)

	// Fill a copy; dst changes only if every field succeeded.
	tmp := reflect.New(p.typ).Elem()
	tmp.Set(root)
	for _, idx := range p.ptrs {
		fv := tmp.FieldByIndex(idx)
		fresh := reflect.New(fv.Type().Elem())
		if !fv.IsNil() {
			fresh.Elem().Set(fv.Elem())
		}
		fv.Set(fresh)
	}
	for i, j := range jobs {
		var r fetchResult // not fetched: a Secret bound without a value
		if k := rs.at[i]; k >= 0 {
			r = fetched.get(k)
		}
		if err := l.fill(tmp, j, slots[i], r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	root.Set(tmp)
	return nil
}

// job is one field of one Load: its plan, rendered Ref and decoder.
type job struct {
	f   *planField
	ref Ref
	dec decodeFunc
}

// prepare renders every template, resolves every decoder and lists the
// Refs to fetch. It returns every configuration error of the struct at
// once: the plan's (tags, field kinds) and this Load's (types, variables).
// A Load with the same variable values as the last one of its type (a
// reload, or one service loading the same struct again) reuses that
// Load's work from the plan's memo.
func (l *Loader) prepare(p *plan, root reflect.Value) ([]job, refSet, []error) {
	vals, varErrs := l.resolveVars(p, root)
	memoable := len(p.errs) == 0 && len(varErrs) == 0 && len(l.o.decoders) == 0
	if memoable {
		if m := p.memo.Load(); m != nil && m.prefetch == l.o.prefetch && slices.Equal(m.vals, vals) {
			return m.jobs, m.refs, nil
		}
	}
	errs := append([]error(nil), p.errs...)
	jobs := make([]job, 0, len(p.fields))
	for _, f := range p.fields {
		dec, decErr := f.dec, f.decErr
		if len(l.o.decoders) > 0 {
			// WithDecoder may cover the type, or what it points to.
			dec, decErr = decoderFor(f.typ, f.spec.enc, l.o.decoders)
		}
		if decErr != nil {
			errs = append(errs, configErr(f.name, decErr.Error()))
			continue
		}
		path, err := f.spec.tmpl.Render(func(name string) (string, bool) {
			i, ok := p.varIndex[strings.ToLower(name)]
			if !ok || varErrs[strings.ToLower(name)] != nil {
				return "", false
			}
			return vals[i], true
		})
		if err != nil {
			if vErr := varErrs[firstVarErr(f, varErrs)]; vErr != nil && vErr != errNoSource {
				err = vErr
			}
			errs = append(errs, configErr(f.name, err.Error()))
			continue
		}
		jobs = append(jobs, job{f: f, ref: Ref{Path: path, Version: f.spec.version}, dec: dec})
	}
	if len(errs) > 0 {
		return nil, refSet{}, errs
	}
	rs := dedupe(jobs, l.o.prefetch)
	if memoable {
		p.memo.Store(&prepared{vals: vals, prefetch: l.o.prefetch, jobs: jobs, refs: rs})
	}
	return jobs, rs, nil
}

func firstVarErr(f *planField, varErrs map[string]error) string {
	for _, v := range f.vars {
		if _, ok := varErrs[v]; ok {
			return v
		}
	}
	return ""
}

// fill decodes one field into the copy, or binds a Secret.
func (l *Loader) fill(tmp reflect.Value, j job, s *slot, r fetchResult) error {
	fv := tmp.FieldByIndex(j.f.index)
	var check func(*entry) error
	if j.f.lazy {
		stale := l.o.stale || j.f.spec.stale
		check = fv.Addr().Interface().(secretField).bind(l, s, j.f, j.dec, stale)
		if !r.done {
			return nil // bound; the first Get fetches
		}
	}
	if r.err != nil {
		if j.f.spec.optional && errors.Is(r.err, ErrNotFound) {
			return nil // keep the field's value: zero, or a default set before Load
		}
		return &FieldError{Field: j.f.name, Ref: j.ref, Err: r.err}
	}
	if check != nil {
		return check(r.e) // a *FieldError already
	}
	if err := j.dec(r.text, fv); err != nil {
		return &FieldError{Field: j.f.name, Ref: j.ref, Err: err}
	}
	return nil
}

func (l *Loader) ttlFor(f *planField) time.Duration {
	if f.spec.hasTTL {
		return f.spec.ttl
	}
	return l.o.defaultTTL
}
