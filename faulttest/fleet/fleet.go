package fleet

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/retry"
)

// Client is how an instance reads its secrets.
type Client string

const (
	// Vaultly is a vaultly Loader over the ssm backend: Load asks for the
	// 100 names in GetParameters calls of 10, and the core refreshes a
	// Loader's Secrets together when their TTL runs out (they expire
	// together: one jitter draw per call), 10 names a call again.
	Vaultly Client = "vaultly"
	// PerField is one GetParameter per field, at start and at every
	// refresh: what gocloud runtimevar or a hand-written loop does. It is
	// the same Loader over a backend that hides GetBatch, reading one field
	// at a time.
	PerField Client = "one request per field"
	// Reload is the stand-in for a core that refreshes a Loader's Secrets
	// together, used before the core did so itself (Vaultly), kept for
	// comparison: the application calls Load again every TTL (less
	// Jitter's fraction, drawn anew each time), so the values are renewed
	// in GetParameters calls of 10, and a reload that fails is tried again
	// after a backoff (a tenth of the TTL doubling to the TTL). The fields
	// are tagged with twice the TTL, so that the core's own refresh stays
	// out of the way unless reloads fail for a whole TTL; staleness is a
	// value's age past the TTL, measured by the application from its last
	// reload that succeeded.
	Reload Client = "vaultly, Load again every TTL"
)

// Scenario is one fleet run.
type Scenario struct {
	Name      string
	Client    Client
	Store     Store // the store read (default SSM)
	Instances int
	Secrets   int           // Secret[string] fields per instance, ttl=TTL,stale_on_error
	TTL       time.Duration // the fields' ttl=
	Quota     float64       // the account's requests a second (ssmtest or smtest WithQuota)
	Burst     int           // the quota's bucket
	// StartWithin spreads the instances' starts evenly over this much
	// virtual time from 0 (one second: a synchronized deploy).
	StartWithin time.Duration
	Duration    time.Duration // virtual time simulated
	ReadEvery   time.Duration // each instance reads every field this often
	// Running: the instances are already running when they start in the
	// run: their first Load is answered by a store without the quota (and
	// not counted), so the run measures their refreshes alone.
	Running bool
	// Jitter is the Loader's vaultly.WithTTLJitter (0: off, the library's
	// default); under Reload, the fraction each reload interval is
	// shortened by at random.
	Jitter float64
	// MaxRequests stops the run once the store has seen this many
	// requests (a retry storm); 0: no limit.
	MaxRequests int
	Seed        uint64
}

// Result is what a run measured. Requests are attempts as the store saw
// them, throttled ones included.
type Result struct {
	Scenario
	Requests      int
	Throttled     int
	MeanRPS       float64 // requests over the virtual seconds simulated
	PeakRPS       int     // requests in the busiest virtual second
	Reads         int     // Secret.Get calls by the application
	FailedReads   int     // of them, those that returned an error
	StaleServes   int     // reads answered with an expired value (stale_on_error)
	MaxStaleness  time.Duration
	FailedLoads   int           // first Loads that returned an error (the application tries again)
	FailedReloads int           // Reload: reloads that returned an error (the values stay, stale)
	Loaded        int           // instances whose Load succeeded
	AllLoadedIn   time.Duration // from the first start to the last Load that succeeded; -1: not all loaded
	Simulated     time.Duration // virtual time reached (less than Duration when stopped)
	Stopped       bool          // MaxRequests reached
	Wall          time.Duration
	PerSecond     []int // requests in each virtual second
	ThrottledEach []int // throttled requests in each virtual second
}

// Retries, in virtual time: the ssm backend's client makes one attempt
// (ssmtest.WithMaxAttempts(1)), and backends/retry, on the virtual clock
// and sleep, retries with full jitter from 1 s doubling. Until its first
// Load succeeds an instance retries within a startup budget of 10 minutes
// (2-minute cap) that outlasts a deploy's queue (1,000 instances need 250
// s of the quota), and its GetBatch asks again only for the names still
// missing, so a Load keeps its progress; the SDK's own retryer (3 attempts
// in about 20 s) fails most Loads of such a deploy. After that a call is
// not retried at once: a refresh that fails serves the value stale, and
// the reload or the core's stale retry interval tries again later
// (retrying at once, 3 attempts, only added throttled requests).
const (
	retryBase       = time.Second
	startupAttempts = 30
	startupCap      = 2 * time.Minute
	startupBudget   = 10 * time.Minute
	refreshAttempts = 1
	refreshCap      = 20 * time.Second
	refreshBudget   = 30 * time.Second
	// A Load that fails is tried again by the application after a full
	// jitter backoff from 1 s doubling to 60 s (a supervisor restarting
	// the process does about the same).
	loadBase = time.Second
	loadCap  = time.Minute
)

// Run simulates sc and returns what it measured.
func Run(sc Scenario) (Result, error) {
	if sc.Secrets <= 0 || sc.Instances <= 0 || sc.TTL <= 0 || sc.Quota <= 0 || sc.Burst <= 0 ||
		sc.Duration <= 0 || sc.ReadEvery <= 0 || sc.StartWithin <= 0 {
		return Result{}, fmt.Errorf("fleet: scenario %q: every size, rate and duration must be positive", sc.Name)
	}
	wall := time.Now()
	s := newSched(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	secs := int(sc.Duration/time.Second) + 2
	perSec := make([]atomic.Int32, secs)
	thrSec := make([]atomic.Int32, secs)
	var total atomic.Int64
	srv, err := openStore(sc.Store, s.now, sc.Quota, sc.Burst, sc.Secrets, func(at time.Time, throttled bool) {
		total.Add(1)
		i := min(int(at.Sub(s.base)/time.Second), secs-1)
		perSec[i].Add(1)
		if throttled {
			thrSec[i].Add(1)
		}
	})
	if err != nil {
		return Result{}, err
	}
	defer srv.close()
	inner := srv.backend
	rng := rand.New(rand.NewPCG(sc.Seed, 1))
	var rngMu sync.Mutex // held only inside a turn, so never contended; the race detector wants it
	jitter := func(base, limit time.Duration, n int) time.Duration {
		d := base
		for i := 1; i < n && d < limit; i++ {
			d *= 2 // doubling, not shifting: base<<30 overflows for 30 s
		}
		d = min(d, limit)
		rngMu.Lock()
		defer rngMu.Unlock()
		return time.Duration(rng.Int64N(int64(d) + 1))
	}
	var backend vaultly.Backend = inner
	loaderOpts := []vaultly.Option{vaultly.WithClock(s.now)}
	if sc.Client == PerField {
		backend = getOnly{inner}
		loaderOpts = append(loaderOpts, vaultly.WithConcurrency(1))
	}
	retrying := func(attempts int, budget, limit time.Duration) (vaultly.Backend, error) {
		return retry.New(backend,
			retry.MaxAttempts(attempts),
			retry.TotalTimeout(budget),
			retry.Backoff(func(n int) time.Duration { return jitter(retryBase, limit, n) }),
			retry.WithClock(s.now),
			retry.WithSleep(s.sleep),
		)
	}
	startup, err := retrying(startupAttempts, startupBudget, startupCap)
	if err != nil {
		return Result{}, err
	}
	if sc.Running {
		warm, err := openStore(sc.Store, s.now, 0, 0, sc.Secrets, nil)
		if err != nil {
			return Result{}, err
		}
		defer warm.close()
		startup = warm.backend
	}
	running, err := retrying(refreshAttempts, refreshBudget, refreshCap)
	if err != nil {
		return Result{}, err
	}
	ttlJitter := sc.Jitter
	if sc.Client == Reload {
		ttlJitter = 0 // jitter is the reloads'
	}
	loaderOpts = append(loaderOpts, vaultly.WithTTLJitter(ttlJitter))

	var st stats
	loaderOpts = append(loaderOpts, vaultly.WithHooks(vaultly.Hooks{OnStale: st.stale}))
	tagTTL := sc.TTL
	if sc.Client == Reload {
		tagTTL = 2 * sc.TTL
	}
	typ := configType(sc.Secrets, tagTTL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range sc.Instances {
		sw := &phased{b: startup, name: backendkit.Name(inner)}
		var b vaultly.Backend = sw
		if sc.Client != PerField {
			b = phasedBatch{sw}
		}
		l, err := vaultly.New(b, loaderOpts...)
		if err != nil {
			return Result{}, err
		}
		start := time.Duration(int64(sc.StartWithin) * int64(i) / int64(sc.Instances))
		in := &instance{started: func() { sw.b = running }, l: l, typ: typ, st: &st, s: s, every: sc.ReadEvery, jitter: jitter, ttl: sc.TTL}
		if sc.Client == Reload {
			in.reload = func() time.Duration {
				rngMu.Lock()
				defer rngMu.Unlock()
				return sc.TTL - time.Duration(rng.Float64()*sc.Jitter*float64(sc.TTL))
			}
		}
		s.start(start, func() { in.run(ctx) })
	}
	stop := func() bool { return sc.MaxRequests > 0 && total.Load() >= int64(sc.MaxRequests) }
	reached := s.run(sc.Duration, stop)
	cancel()
	s.shutdown()

	r := Result{
		Scenario:      sc,
		Requests:      srv.total(),
		Throttled:     srv.throttled(),
		Simulated:     reached,
		Stopped:       stop(),
		Wall:          time.Since(wall),
		Reads:         int(st.reads.Load()),
		FailedReads:   int(st.failedReads.Load()),
		StaleServes:   int(st.staleServes.Load()),
		MaxStaleness:  time.Duration(st.maxStale.Load()),
		FailedLoads:   int(st.failedLoads.Load()),
		FailedReloads: int(st.failedReloads.Load()),
		Loaded:        int(st.loaded.Load()),
		AllLoadedIn:   -1,
	}
	if !r.Stopped {
		r.Simulated = sc.Duration
	}
	if r.Loaded == sc.Instances {
		r.AllLoadedIn = time.Duration(st.lastLoad.Load())
	}
	n := min(int(r.Simulated/time.Second), secs)
	for i := range n {
		r.PerSecond = append(r.PerSecond, int(perSec[i].Load()))
		r.ThrottledEach = append(r.ThrottledEach, int(thrSec[i].Load()))
		r.PeakRPS = max(r.PeakRPS, r.PerSecond[i])
	}
	if n > 0 {
		r.MeanRPS = float64(r.Requests) / float64(n)
	}
	return r, nil
}

// stats are the counters the instances and hooks add to.
type stats struct {
	reads, failedReads, staleServes, failedLoads, loaded atomic.Int64
	failedReloads                                        atomic.Int64
	maxStale, lastLoad                                   atomic.Int64
}

func (st *stats) stale(_ vaultly.Ref, age time.Duration) {
	st.staleServes.Add(1)
	for {
		cur := st.maxStale.Load()
		if int64(age) <= cur || st.maxStale.CompareAndSwap(cur, int64(age)) {
			return
		}
	}
}

// instance is one process of the service: it loads its config, then reads
// every Secret field right away and every ReadEvery after, until the
// simulation ends. Reading from the Load on (not from a random phase)
// makes a value refreshed at the instant it expires, as in a service
// that reads its secrets all the time: a random phase would delay each
// instance's refreshes by up to ReadEvery, at random, which a busy
// service does not do, and which alone made 6% of the steady state's
// requests throttled (the random delays bunch the fleet's refreshes).
type instance struct {
	started func() // the first Load succeeded: retry as a running service does
	l       *vaultly.Loader
	typ     reflect.Type
	st      *stats
	s       *sched
	every   time.Duration
	jitter  func(base, limit time.Duration, n int) time.Duration
	reload  func() time.Duration // Reload: the time until the next Load; nil otherwise
	ttl     time.Duration
}

func (in *instance) run(ctx context.Context) {
	cfg := reflect.New(in.typ)
	for attempt := 1; ; attempt++ {
		err := in.l.Load(ctx, cfg.Interface())
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		in.st.failedLoads.Add(1)
		if in.s.sleep(ctx, in.jitter(loadBase, loadCap, attempt)) != nil {
			return
		}
	}
	in.started()
	in.st.loaded.Add(1)
	in.st.lastLoad.Store(int64(in.s.elapsed())) // the turns run in time order
	secrets := make([]*vaultly.Secret[string], in.typ.NumField())
	for i := range secrets {
		secrets[i] = cfg.Elem().Field(i).Addr().Interface().(*vaultly.Secret[string])
	}
	// Under Reload, a goroutine of its own reloads, as a core refreshing
	// in the background would, while this one goes on reading.
	var fetched atomic.Int64 // Reload: when the last reload that succeeded ended
	if in.reload != nil {
		fetched.Store(int64(in.s.elapsed()))
		in.s.start(in.s.elapsed(), func() { in.reloads(ctx, cfg, &fetched) })
	}
	for {
		if in.reload != nil {
			if age := in.s.elapsed() - time.Duration(fetched.Load()) - in.ttl; age > 0 {
				in.st.stale(vaultly.Ref{}, age)
				in.st.staleServes.Add(int64(len(secrets)) - 1) // one counted by stale
			}
		}
		for _, sec := range secrets {
			_, err := sec.Get(ctx)
			if ctx.Err() != nil {
				return
			}
			in.st.reads.Add(1)
			if err != nil {
				in.st.failedReads.Add(1)
			}
		}
		if in.s.sleep(ctx, in.every) != nil {
			return
		}
	}
}

// reloads calls Load every in.reload(), and after a failed one again
// after a backoff with full jitter from a tenth of the TTL doubling to
// the TTL: the values are served stale meanwhile, and a reload retried
// sooner only adds to the requests of a fleet over its quota (retried
// after 1 s doubling, a deploy of 1,000 instances at 40/s was still
// throttling nine requests in ten after 8 minutes).
func (in *instance) reloads(ctx context.Context, cfg reflect.Value, fetched *atomic.Int64) {
	failed := 0
	next := in.reload()
	for {
		if in.s.sleep(ctx, next) != nil {
			return
		}
		err := in.l.Load(ctx, cfg.Interface())
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			in.st.failedReloads.Add(1)
			failed++
			next = in.jitter(in.ttl/10, in.ttl, failed)
			continue
		}
		failed = 0
		fetched.Store(int64(in.s.elapsed()))
		next = in.reload()
	}
}

func path(i int) string { return fmt.Sprintf("/fleet/s%02d", i) }

// configType is the struct every instance loads: n fields
// vaultly.Secret[string] `secret:"/fleet/sNN,ttl=TTL,stale_on_error"`.
func configType(n int, ttl time.Duration) reflect.Type {
	fields := make([]reflect.StructField, n)
	for i := range fields {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("S%02d", i),
			Type: reflect.TypeFor[vaultly.Secret[string]](),
			Tag:  reflect.StructTag(fmt.Sprintf(`secret:"%s,ttl=%s,stale_on_error"`, path(i), ttl)),
		}
	}
	return reflect.StructOf(fields)
}

// phased is an instance's backend: the startup retries until its first
// Load succeeds, the running ones after. b is only touched inside the
// instance's turns.
type phased struct {
	b    vaultly.Backend
	name string // the store's backend's
}

func (p *phased) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.b.Get(ctx, ref)
}

func (p *phased) Name() string { return p.name }

// phasedBatch is phased over batching backends.
type phasedBatch struct{ *phased }

func (p phasedBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return p.b.(vaultly.BatchBackend).GetBatch(ctx, refs)
}

// getOnly hides the backend's GetBatch: one GetParameter (or
// GetSecretValue) per field.
type getOnly struct{ b vaultly.Backend }

func (g getOnly) Get(ctx context.Context, ref vaultly.Ref) (string, error) { return g.b.Get(ctx, ref) }
func (g getOnly) Name() string                                             { return backendkit.Name(g.b) }
