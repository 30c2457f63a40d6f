package vaultly

import (
	"context"
	"errors"
	"fmt"
	"reflect"
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

	bgCtx    context.Context
	bgCancel context.CancelFunc
	bgMu     sync.Mutex
	bg       sync.WaitGroup
	closed   bool
}

// New returns a Loader that reads from b.
func New(b Backend, opts ...Option) *Loader {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Loader{b: b, o: o, bgCtx: ctx, bgCancel: cancel}
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
	l.bgMu.Unlock()
	l.bgCancel()
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
	if len(l.o.invalidOption) > 0 {
		return fmt.Errorf("vaultly: %w: %s", ErrConfig, strings.Join(l.o.invalidOption, "; "))
	}
	rv := reflect.ValueOf(dst)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("vaultly: %w: Load needs a non-nil pointer to a struct, got %T", ErrConfig, dst)
	}
	p := planFor(rv.Elem().Type())
	root := rv.Elem()
	jobs, errs := l.prepare(p, root)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	fetched := l.fetchAll(ctx, jobs)

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
	for _, j := range jobs {
		if err := l.fill(tmp, j, fetched); err != nil {
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

// prepare renders every template and resolves every decoder. It returns
// every configuration error of the struct at once: the plan's (tags,
// field kinds) and this Load's (types, variables).
func (l *Loader) prepare(p *plan, root reflect.Value) ([]job, []error) {
	vars, varErrs := l.resolveVars(p, root)
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
			v, ok := vars[strings.ToLower(name)]
			return v, ok
		})
		if err != nil {
			if vErr, ok := varErrs[firstVarErr(f, varErrs)]; ok {
				err = vErr
			}
			errs = append(errs, configErr(f.name, err.Error()))
			continue
		}
		jobs = append(jobs, job{f: f, ref: Ref{Path: path, Version: f.spec.version}, dec: dec})
	}
	return jobs, errs
}

func firstVarErr(f *planField, varErrs map[string]error) string {
	for _, v := range f.vars {
		if _, ok := varErrs[v]; ok {
			return v
		}
	}
	return ""
}

// fetchResult is the outcome of one Ref in Load.
type fetchResult struct {
	e   *entry
	err error
}

// fetchAll fetches the distinct Refs of the plain fields (and of the
// Secret fields under prefetch). Load always asks the backend, so that a
// second Load through one Loader sees current values; the results go into
// the cache for the Secrets that share a Ref.
func (l *Loader) fetchAll(ctx context.Context, jobs []job) map[Ref]fetchResult {
	out := make(map[Ref]fetchResult)
	seen := make(map[Ref]struct{}, len(jobs))
	refs := make([]Ref, 0, len(jobs))
	for _, j := range jobs {
		if j.f.lazy && !l.o.prefetch {
			continue
		}
		if _, dup := seen[j.ref]; !dup {
			seen[j.ref] = struct{}{}
			refs = append(refs, j.ref)
		}
	}
	if len(refs) == 0 {
		return out
	}
	if bb, ok := l.b.(BatchBackend); ok {
		l.fetchBatch(ctx, bb, refs, out)
	} else {
		l.fetchEach(ctx, refs, out)
	}
	return out
}

func (l *Loader) fetchBatch(ctx context.Context, bb BatchBackend, refs []Ref, out map[Ref]fetchResult) {
	start := time.Now()
	values, err := bb.GetBatch(l.backendContext(ctx), refs)
	took := time.Since(start)
	slots := l.cache.slotsFor(refs)
	entries := make([]entry, len(refs)) // one allocation for the batch
	for i, r := range refs {
		text, rerr := BatchResult(r, values, err)
		if h := l.o.hooks; h != nil && h.OnFetch != nil {
			h.OnFetch(r, took, rerr)
		}
		if rerr != nil {
			out[r] = fetchResult{err: rerr}
			continue
		}
		out[r] = fetchResult{e: l.publish(slots[i], &entries[i], text)}
	}
}

func (l *Loader) fetchEach(ctx context.Context, refs []Ref, out map[Ref]fetchResult) {
	results := make([]fetchResult, len(refs))
	sem := make(chan struct{}, l.o.concurrency)
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			e, err := l.fetch(ctx, l.cache.slot(r), false)
			results[i] = fetchResult{e: e, err: err}
		}()
	}
	wg.Wait()
	for i, r := range refs {
		out[r] = results[i]
	}
}

// fill decodes one field into the copy, or binds a Secret.
func (l *Loader) fill(tmp reflect.Value, j job, fetched map[Ref]fetchResult) error {
	fv := tmp.FieldByIndex(j.f.index)
	if j.f.lazy {
		stale := l.o.stale || j.f.spec.stale
		check := fv.Addr().Interface().(secretField).bind(l, l.cache.slot(j.ref), j.f, j.dec, stale)
		r, ok := fetched[j.ref]
		switch {
		case !ok:
			return nil
		case r.err != nil:
			if j.f.spec.optional && errors.Is(r.err, ErrNotFound) {
				return nil
			}
			return &FieldError{Field: j.f.name, Ref: j.ref, Err: r.err}
		}
		return check(r.e)
	}
	r := fetched[j.ref]
	if r.err != nil {
		if j.f.spec.optional && errors.Is(r.err, ErrNotFound) {
			return nil // keep the field's value: zero, or a default set before Load
		}
		return &FieldError{Field: j.f.name, Ref: j.ref, Err: r.err}
	}
	if err := j.dec(r.e.text, fv); err != nil {
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
