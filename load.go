package vaultly

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/vaultly/vaultly/internal/contract"
	"github.com/vaultly/vaultly/internal/flight"
	"github.com/vaultly/vaultly/internal/pathtmpl"
)

// Loader loads structs from one backend and owns the cache that their
// Secret fields read through. A Loader is safe for concurrent use. Call
// Close when done if refresh-ahead is on; a Loader dropped without Close
// holds no timer or goroutine and is collected like any value.
type Loader struct {
	b Backend
	o options
	// readsKeys: b takes JSON members itself (keys.go), read once at New.
	readsKeys bool

	// epoch is the clock's reading at New; entries keep their times as
	// nanoseconds since it (see clock).
	epoch time.Time

	mu      sync.Mutex // guards slots, sweepAt, ring and hand
	slots   map[slotKey]weak.Pointer[slot]
	sweepAt int     // the map size at which slot sweeps it (cache.go)
	ring    []*slot // the slots holding a value, under WithMaxEntries (bound.go)
	hand    int     // the clock hand into ring
	flights flight.Group[flightKey, *entry]
	seq     atomic.Uint64 // numbers backend calls in the order they start

	bgCtx    context.Context // background refreshes; cancelled by Close
	bgCancel context.CancelFunc
	bgMu     sync.Mutex // orders bgCancel against bg.Add
	bg       sync.WaitGroup
}

// New returns a Loader that reads from b. An invalid option is an
// ErrConfig error naming it.
func New(b Backend, opts ...Option) (*Loader, error) {
	if b == nil {
		return nil, fmt.Errorf("vaultly: %w: nil backend", ErrConfig)
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(&o)
		}
	}
	if len(o.invalid) > 0 {
		return nil, fmt.Errorf("vaultly: %w: %s", ErrConfig, strings.Join(o.invalid, "; "))
	}
	l := &Loader{b: b, o: o, epoch: time.Now(), slots: map[slotKey]weak.Pointer[slot]{}, readsKeys: readsKeys(b)}
	if o.now != nil {
		l.epoch = o.now()
	}
	l.bgCtx, l.bgCancel = context.WithCancel(context.Background())
	return l, nil
}

// clock returns the time as nanoseconds since l.epoch. With the real
// clock that is time.Since: monotonic, and one clock read where time.Now
// is two, on the path of every warm Get.
func (l *Loader) clock() int64 {
	if l.o.now == nil {
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
	l, err := New(b, opts...)
	if err != nil {
		return err
	}
	return l.Load(ctx, dst)
}

// Close stops background refreshes and waits for those running to end.
// Secrets stay readable; they fetch on the reader's goroutine from then on.
// Close never closes the Loader's backend: one backend may serve many
// Loaders, and whoever made a backend that holds resources (it implements
// io.Closer, as vault's does) closes it.
func (l *Loader) Close() error {
	l.bgMu.Lock()
	l.bgCancel() // closed: no refresh starts after this
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
	if ctx == nil {
		return fmt.Errorf("vaultly: %w: nil context (use context.Background())", ErrConfig)
	}
	rv := reflect.ValueOf(dst)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("vaultly: %w: Load needs a non-nil pointer to a struct, got %T", ErrConfig, dst)
	}
	p := planFor(rv.Elem().Type())
	root := rv.Elem()
	jobs, rs, errs := l.prepare(p, root)
	if len(errs) > 0 {
		return joinErrors(errs)
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
			r = fetched[k]
		}
		if err := l.fill(tmp, j, slots[i], r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return joinErrors(errs)
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
func (l *Loader) prepare(p *plan, root reflect.Value) ([]job, refSet, []error) {
	vals, varErrs := l.resolveVars(p, root)
	badVars := l.badVars(p, vals, varErrs)
	errs := append(append([]error(nil), p.errs...), p.dynamicErrs(root)...)
	jobs := make([]job, len(p.fields))
	spans := make([][2]int, len(p.fields)) // of each group leader's path in paths
	paths := make([]byte, 0, p.pathsLen)   // grows if the values are longer than their names
	for i, f := range p.fields {
		dec, decErr := f.dec, f.decErr
		if len(l.o.decoders) > 0 {
			// WithDecoder may cover the type, or what it points to.
			dec, decErr = fieldDecoder(f, l.o.decoders)
		}
		if decErr != nil {
			errs = append(errs, configErr(f.name, decErr.Error()))
			continue
		}
		if err := checkDefault(f, dec); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := l.canRead(f); err != nil {
			errs = append(errs, err)
			continue
		}
		jobs[i] = job{f: f, ref: Ref{Version: f.spec.version, Key: f.spec.key}, dec: dec}
		if badVars != nil {
			if err := firstBadVar(f, badVars); err != nil {
				errs = append(errs, &FieldError{Field: f.name, Err: err})
				continue
			}
		}
		if g := f.docGroup; g < i {
			continue // same template, version and kind as field g: its path, below
		}
		start := len(paths)
		var err error
		paths, err = f.spec.tmpl.AppendRender(paths, func(name string) (string, bool) {
			for k, v := range f.vars {
				if v == name {
					i := f.varIdx[k]
					return vals[i], varErrs[p.varNames[i]] == nil
				}
			}
			return "", false
		})
		if err != nil { // not expected: badVars has every variable Render refuses
			errs = append(errs, configErr(f.name, err.Error()))
			continue
		}
		if f.spec.prefix && (len(paths) == start || paths[len(paths)-1] != '/') {
			paths = append(paths, '/') // a prefix is a folder
		}
		spans[i] = [2]int{start, len(paths)}
	}
	if len(errs) > 0 {
		return nil, refSet{}, errs
	}
	// Every path was rendered into one buffer: one allocation for them all.
	all := string(paths)
	for i := range jobs {
		span := spans[jobs[i].f.docGroup]
		jobs[i].ref.Path = all[span[0]:span[1]]
	}
	return jobs, dedupe(jobs, l.o.prefetch, l.readsKeys), nil
}

// badVars returns, by index in p.varNames, the error of each variable
// that cannot fill a template (no value, or a value Render would refuse),
// or nil when every variable is fine. Each is one *sharedError that every
// field using the variable reports, so that the Load error names the
// problem once, with every field it affects.
func (l *Loader) badVars(p *plan, vals []string, varErrs map[string]error) []error {
	var bad []error
	for i, key := range p.varNames {
		var msg string
		switch err := varErrs[key]; {
		case err == errNoSource:
			msg = "no value for <" + spelled(p, i) + ">: no WithVars entry and no root field of that name"
		case err != nil:
			msg = err.Error()
		default:
			why := pathtmpl.CheckValue(vals[i])
			if why == "" {
				continue
			}
			from := "WithVars"
			if _, ok := l.o.vars[key]; !ok && len(p.vars[key]) > 0 {
				from = "field " + p.vars[key][0].name
			}
			msg = fmt.Sprintf("bad value %q for <%s> (from %s): %s", vals[i], spelled(p, i), from, why)
		}
		if bad == nil {
			bad = make([]error, len(p.varNames))
		}
		bad[i] = &sharedError{err: fmt.Errorf("%w: %s", ErrConfig, msg)}
	}
	return bad
}

// spelled is variable i of p as the first template that uses it writes it.
func spelled(p *plan, i int) string {
	for _, f := range p.fields {
		for k, j := range f.varIdx {
			if j == i {
				return f.vars[k]
			}
		}
	}
	return p.varNames[i]
}

// firstBadVar is the error of the first variable of f's template (in the
// order the template names them) that bad says cannot fill it, or nil.
func firstBadVar(f *planField, bad []error) error {
	for _, i := range f.varIdx {
		if bad[i] != nil {
			return bad[i]
		}
	}
	return nil
}

// checkDefault checks f's default option: allowed only on a plain field,
// and decoded by dec like a fetched value, so that a default that does
// not fit the type fails Load before anything is fetched. Its error names
// the field and never quotes the default.
func checkDefault(f *planField, dec decodeFunc) error {
	switch {
	case !f.spec.hasDef:
		return nil
	case f.lazy:
		return configErr(f.name, "default applies only to plain fields: a Secret's value belongs in the store, not in the source code")
	}
	if err := dec(f.spec.def, reflect.New(f.typ).Elem()); err != nil {
		return &FieldError{Field: f.name, Err: fmt.Errorf("%w: default: %w", ErrConfig, err)}
	}
	return nil
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
		if errors.Is(r.err, ErrNotFound) {
			switch {
			case j.f.spec.optional && j.f.spec.prefix && !j.f.lazy:
				return j.dec(emptyPrefix, fv) // nothing under the prefix: an empty map
			case j.f.spec.optional:
				return nil // keep the field's value: zero, or a default set before Load
			case j.f.spec.hasDef: // checked by prepare
				if err := j.dec(j.f.spec.def, fv); err != nil {
					return &FieldError{Field: j.f.name, Ref: j.ref, Err: fmt.Errorf("%w: default: %w", ErrConfig, err)}
				}
				return nil
			}
		}
		return &FieldError{Field: j.f.name, Ref: j.ref, Err: nameBackend(contract.Name(l.b), r.err)}
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
