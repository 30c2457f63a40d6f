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
	hz    horizon

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

// clockAt converts t, a reading of the Loader's clock, to the scale of
// clock.
func (l *Loader) clockAt(t time.Time) int64 { return int64(t.Sub(l.epoch)) }

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
	l.stopHorizon()
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

// fetchResult is the outcome of one Ref in Load: its text, and the cache
// entry that holds it when a Secret field names the Ref. done is false
// for a Secret field that Load does not fetch (no prefetch).
type fetchResult struct {
	text string
	e    *entry
	err  error
	done bool
}

// refSet is what a Load fetches: the distinct Refs, and for each job the
// index of its Ref among them, or -1 when nothing fetches it (a Secret
// without prefetch whose Ref no plain field names).
type refSet struct {
	uniq []Ref
	at   []int32
}

// dedupe lists the Refs of the plain fields (and of the Secret fields
// under prefetch), each once however many fields name it.
func dedupe(jobs []job, prefetch bool) refSet {
	rs := refSet{at: make([]int32, len(jobs)), uniq: make([]Ref, 0, len(jobs))}
	seen := make(map[Ref]int32, len(jobs))
	for i, j := range jobs {
		rs.at[i] = -1
		if j.f.lazy && !prefetch {
			continue
		}
		k, dup := seen[j.ref]
		if !dup {
			k = int32(len(rs.uniq))
			seen[j.ref] = k
			rs.uniq = append(rs.uniq, j.ref)
		}
		rs.at[i] = k
	}
	if !prefetch {
		// A Secret whose Ref a plain field fetches anyway starts warm.
		for i, j := range jobs {
			if k, ok := seen[j.ref]; ok && j.f.lazy {
				rs.at[i] = k
			}
		}
	}
	return rs
}

// fetchAll fetches rs.uniq in one GetBatch, or with bounded concurrency
// from a backend that cannot batch. Load always asks the backend, so that
// a second Load through one Loader sees current values. Only Refs that a
// Secret field names go into the cache: a plain field is filled once and
// keeps no cache slot. It returns each job's slot (nil for plain fields)
// and the results by index in rs.uniq.
func (l *Loader) fetchAll(ctx context.Context, jobs []job, rs refSet) ([]*slot, *results) {
	slots := make([]*slot, len(jobs))
	var lazyRefs []Ref
	for _, j := range jobs {
		if j.f.lazy {
			lazyRefs = append(lazyRefs, j.ref)
		}
	}
	if len(lazyRefs) > 0 {
		ls := l.cache.slotsFor(lazyRefs)
		k := 0
		for i, j := range jobs {
			if j.f.lazy {
				slots[i], k = ls[k], k+1
			}
		}
	}
	if len(rs.uniq) == 0 {
		return slots, nil
	}
	// uslots[k] is the slot of uniq[k], nil when no Secret field names it.
	uslots := make([]*slot, len(rs.uniq))
	for i, k := range rs.at {
		if k >= 0 && slots[i] != nil && uslots[k] == nil {
			uslots[k] = slots[i]
		}
	}
	if bb, ok := l.b.(BatchBackend); ok {
		return slots, l.fetchBatch(ctx, bb, rs.uniq, uslots)
	}
	return slots, l.fetchEach(ctx, rs.uniq, uslots)
}

// results holds what fetchAll got, by index in refSet.uniq: a batch's
// answer, read field by field without copying it, or the Gets' results.
type results struct {
	refs   []Ref
	values map[Ref]string // the batch answer
	err    error          // the batch error
	cached []*entry       // the cache entry of each Ref a Secret names; nil if none
	each   []fetchResult  // the answers of a backend that cannot batch
}

func (r *results) get(k int32) fetchResult {
	if r.each != nil {
		return r.each[k]
	}
	text, err := BatchResult(r.refs[k], r.values, r.err)
	res := fetchResult{text: text, err: err, done: true}
	if r.cached != nil && err == nil {
		res.e = r.cached[k]
	}
	return res
}

func (l *Loader) fetchBatch(ctx context.Context, bb BatchBackend, refs []Ref, slots []*slot) *results {
	start := time.Now()
	values, err := bb.GetBatch(l.backendContext(ctx), refs)
	took := time.Since(start)
	r := &results{refs: refs, values: values, err: err}
	if h := l.o.hooks; h != nil && h.OnFetch != nil {
		for _, ref := range refs {
			_, rerr := BatchResult(ref, values, err)
			h.OnFetch(ref, took, rerr)
		}
	}
	var entries []entry // one allocation for the cached ones
	for i, s := range slots {
		if s == nil {
			continue
		}
		text, rerr := BatchResult(refs[i], values, err)
		if rerr != nil {
			continue
		}
		if r.cached == nil {
			r.cached = make([]*entry, len(refs))
			entries = make([]entry, len(refs)-i)
		}
		r.cached[i] = l.publish(s, &entries[0], text)
		entries = entries[1:]
	}
	return r
}

func (l *Loader) fetchEach(ctx context.Context, refs []Ref, slots []*slot) *results {
	out := make([]fetchResult, len(refs))
	sem := make(chan struct{}, l.o.concurrency)
	var wg sync.WaitGroup
	for i, s := range slots {
		if s == nil {
			s = &slot{ref: refs[i]} // a plain field's Ref: fetched once, not cached
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			e, err := l.fetch(ctx, s, false)
			r := fetchResult{e: e, err: err, done: true}
			if e != nil {
				r.text = e.text
			}
			out[i] = r
		}()
	}
	wg.Wait()
	return &results{refs: refs, each: out}
}

// fill decodes one field into the copy, or binds a Secret.
func (l *Loader) fill(tmp reflect.Value, j job, s *slot, r fetchResult) error {
	fv := tmp.FieldByIndex(j.f.index)
	if j.f.lazy {
		stale := l.o.stale || j.f.spec.stale
		check := fv.Addr().Interface().(secretField).bind(l, s, j.f, j.dec, stale)
		switch {
		case !r.done:
			return nil
		case r.err != nil:
			if j.f.spec.optional && errors.Is(r.err, ErrNotFound) {
				return nil
			}
			return &FieldError{Field: j.f.name, Ref: j.ref, Err: r.err}
		}
		return check(r.e)
	}
	if r.err != nil {
		if j.f.spec.optional && errors.Is(r.err, ErrNotFound) {
			return nil // keep the field's value: zero, or a default set before Load
		}
		return &FieldError{Field: j.f.name, Ref: j.ref, Err: r.err}
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
