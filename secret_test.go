package vaultly_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

var errDown = errors.New("connection refused")

// loadOne loads a struct whose one field is a Secret[string] at "/k" with
// the given tag options (built with reflect.StructOf, since tags are
// otherwise fixed at compile time) and returns that Secret and its Loader.
// The Secret is lazy (WithPrefetch(false)): Load binds it and the first
// Get fetches, so the tables count every backend call from the first Get.
func loadOne(t *testing.T, b vaultly.Backend, options string, opts ...vaultly.Option) (*vaultly.Secret[string], *vaultly.Loader) {
	t.Helper()
	tag := `secret:"/k"`
	if options != "" {
		tag = `secret:"/k,` + options + `"`
	}
	typ := reflect.StructOf([]reflect.StructField{{
		Name: "S", Type: reflect.TypeFor[vaultly.Secret[string]](), Tag: reflect.StructTag(tag),
	}})
	dst := reflect.New(typ)
	l := mustLoader(t, b, append([]vaultly.Option{vaultly.WithPrefetch(false), vaultly.WithTTLJitter(0)}, opts...)...)
	t.Cleanup(func() { l.Close() })
	if err := l.Load(context.Background(), dst.Interface()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return dst.Elem().Field(0).Addr().Interface().(*vaultly.Secret[string]), l
}

// TestSecretCache is the table for the read-through cache: a sequence of
// steps (reads, clock moves, backend changes) and the values, errors and
// backend calls they must produce.
func TestSecretCache(t *testing.T) {
	t.Parallel()
	type step struct {
		advance    time.Duration
		set        string // new backend value, if non-empty
		fail       error  // make the backend fail from now on (errNone clears)
		refresh    bool
		invalidate bool
		invAll     bool
		want       string
		wantErr    error
		wantCalls  int // total backend requests after the step
	}
	errNone := errors.New("clear")
	cases := []struct {
		name  string
		tag   string
		opts  []vaultly.Option
		steps []step
	}{
		{"three reads, one call", "ttl=5m", nil, []step{
			{want: "v1", wantCalls: 1}, {want: "v1", wantCalls: 1}, {want: "v1", wantCalls: 1},
		}},
		{"no ttl never expires", "", nil, []step{
			{want: "v1", wantCalls: 1}, {advance: 1000 * time.Hour, set: "v2", want: "v1", wantCalls: 1},
		}},
		{"ttl=0 asks every time", "ttl=0", nil, []step{
			{want: "v1", wantCalls: 1}, {want: "v1", wantCalls: 2}, {set: "v2", want: "v2", wantCalls: 3},
		}},
		{"WithDefaultTTL applies to untagged ttl", "", []vaultly.Option{vaultly.WithDefaultTTL(time.Minute)}, []step{
			{want: "v1", wantCalls: 1}, {advance: 59 * time.Second, set: "v2", want: "v1", wantCalls: 1},
			{advance: time.Second, want: "v2", wantCalls: 2},
		}},
		{"expiry with the clock", "ttl=1m", nil, []step{
			{want: "v1", wantCalls: 1},
			{advance: 30 * time.Second, set: "v2", want: "v1", wantCalls: 1},
			{advance: 30 * time.Second, want: "v2", wantCalls: 2},
			{advance: 59 * time.Second, want: "v2", wantCalls: 2},
		}},
		{"Refresh bypasses the ttl", "ttl=1h", nil, []step{
			{want: "v1", wantCalls: 1}, {set: "v2", want: "v1", wantCalls: 1},
			{refresh: true, want: "v2", wantCalls: 2}, {want: "v2", wantCalls: 2},
		}},
		{"Invalidate drops the entry", "ttl=1h", nil, []step{
			{want: "v1", wantCalls: 1}, {set: "v2", invalidate: true, want: "v2", wantCalls: 2},
		}},
		{"InvalidateAll drops the entry", "ttl=1h", nil, []step{
			{want: "v1", wantCalls: 1}, {set: "v2", invAll: true, want: "v2", wantCalls: 2},
		}},
		{"stale on transient error", "ttl=1m,stale_on_error", nil, []step{
			{want: "v1", wantCalls: 1},
			{advance: 2 * time.Minute, fail: errDown, want: "v1", wantCalls: 2},
			// Within the retry interval the backend is not asked again.
			{advance: time.Second, want: "v1", wantCalls: 2},
			{advance: 5 * time.Second, want: "v1", wantCalls: 3},
			// A second failure in a row doubles the interval (drawn from
			// [5s, 10s)): not asked 4s later, asked 10s later.
			{advance: 4 * time.Second, want: "v1", wantCalls: 3},
			{fail: errNone, set: "v2", advance: 6 * time.Second, want: "v2", wantCalls: 4},
		}},
		{"loader-wide stale", "ttl=1m", []vaultly.Option{vaultly.WithStaleOnError(true)}, []step{
			{want: "v1", wantCalls: 1}, {advance: 2 * time.Minute, fail: errDown, want: "v1", wantCalls: 2},
		}},
		{"no stale without the option", "ttl=1m", nil, []step{
			{want: "v1", wantCalls: 1}, {advance: 2 * time.Minute, fail: errDown, wantErr: vaultly.ErrTransient, wantCalls: 2},
			{fail: errNone, want: "v1", wantCalls: 3},
		}},
		{"no stale on not found", "ttl=1m,stale_on_error", nil, []step{
			{want: "v1", wantCalls: 1},
			{advance: 2 * time.Minute, fail: vaultly.ErrNotFound, wantErr: vaultly.ErrNotFound, wantCalls: 2},
		}},
		{"no stale on auth", "ttl=1m,stale_on_error", nil, []step{
			{want: "v1", wantCalls: 1},
			{advance: 2 * time.Minute, fail: vaultly.ErrAuth, wantErr: vaultly.ErrAuth, wantCalls: 2},
		}},
		{"stale bound", "ttl=1m,stale_on_error=10m", nil, []step{
			{want: "v1", wantCalls: 1},
			{advance: 11 * time.Minute, fail: errDown, want: "v1", wantCalls: 2}, // 10m past expiry
			{advance: time.Minute, wantErr: vaultly.ErrTransient, wantCalls: 3},  // 11m past: refused
		}},
		{"Refresh never serves stale", "ttl=1m,stale_on_error", nil, []step{
			{want: "v1", wantCalls: 1}, {fail: errDown, refresh: true, wantErr: vaultly.ErrTransient, wantCalls: 2},
			{want: "v1", wantCalls: 2},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			b := mock.New(map[string]string{"/k": "v1"})
			opts := append([]vaultly.Option{vaultly.WithClock(clk.Now)}, tc.opts...)
			s, l := loadOne(t, b, tc.tag, opts...)
			ctx := context.Background()
			for i, st := range tc.steps {
				clk.Advance(st.advance)
				if st.set != "" {
					b.Set("/k", st.set)
				}
				switch st.fail {
				case nil:
				case errNone:
					b.FailAll(nil)
				default:
					b.FailAll(st.fail)
				}
				if st.invalidate {
					l.Invalidate(vaultly.Ref{Path: "/k"})
				}
				if st.invAll {
					l.InvalidateAll()
				}
				read := s.Get
				if st.refresh {
					read = s.Refresh
				}
				got, err := read(ctx)
				if st.wantErr != nil {
					if !errors.Is(err, st.wantErr) {
						t.Errorf("step %d: err = %v, want %v", i, err, st.wantErr)
					}
				} else if err != nil {
					t.Errorf("step %d: unexpected error %v", i, err)
				}
				if got != st.want {
					t.Errorf("step %d: got %q, want %q", i, got, st.want)
				}
				if n := b.Requests(); n != st.wantCalls {
					t.Errorf("step %d: backend requests = %d, want %d", i, n, st.wantCalls)
				}
			}
		})
	}
}

func TestStaleWarningLogsPathNotValue(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	clk := newClock()
	b := mock.New(map[string]string{"/k": "hunter2-secret"})
	s, _ := loadOne(t, b, "ttl=1m,stale_on_error", vaultly.WithClock(clk.Now),
		vaultly.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	ctx := context.Background()
	if _, err := s.Get(ctx); err != nil {
		t.Fatal(err)
	}
	b.FailAll(errDown)
	clk.Advance(2 * time.Minute)
	for range 3 { // one failed attempt, three stale reads: one warning
		if got, err := s.Get(ctx); err != nil || got != "hunter2-secret" {
			t.Fatalf("Get = %q, %v", got, err)
		}
	}
	clk.Advance(10 * time.Second) // next attempt fails too: a second warning
	if _, err := s.Get(ctx); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "serving last good value"); n != 2 {
		t.Errorf("warnings = %d, want 2 (one per failed attempt):\n%s", n, out)
	}
	if !strings.Contains(out, `"path":"/k"`) || !strings.Contains(out, "transient") {
		t.Errorf("warning does not name the path and the error:\n%s", out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("log contains the secret value:\n%s", out)
	}
}

func TestSecretErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("never loaded", func(t *testing.T) {
		var s vaultly.Secret[int]
		if _, err := s.Get(ctx); !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "a Load that fails changes nothing") {
			t.Errorf("Get on unbound Secret: %v, want ErrConfig saying a failed Load changes nothing", err)
		}
		if _, err := s.Refresh(ctx); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("Refresh on unbound Secret: %v, want ErrConfig", err)
		}
		if s.Ref() != (vaultly.Ref{}) {
			t.Errorf("Ref of unbound Secret = %v", s.Ref())
		}
	})
	t.Run("decode failure names the field, not the value", func(t *testing.T) {
		var cfg struct {
			Port vaultly.Secret[int] `secret:"/port"`
		}
		if err := vaultly.Load(&cfg, mock.New(map[string]string{"/port": "eighty-secret"}), vaultly.WithPrefetch(false)); err != nil {
			t.Fatal(err)
		}
		_, err := cfg.Port.Get(ctx)
		checkErr(t, err, []error{vaultly.ErrConfig}, []string{"struct.Port", "/port", "invalid number"})
		if strings.Contains(err.Error(), "eighty") {
			t.Errorf("error contains the value: %v", err)
		}
	})
	t.Run("missing, optional and not", func(t *testing.T) {
		var cfg struct {
			A vaultly.Secret[string] `secret:"/a"`
			B vaultly.Secret[string] `secret:"/b,optional"`
		}
		if err := vaultly.Load(&cfg, mock.New(nil), vaultly.WithPrefetch(false)); err != nil {
			t.Fatal(err) // lazy fields are not fetched at Load
		}
		if _, err := cfg.A.Get(ctx); !errors.Is(err, vaultly.ErrNotFound) {
			t.Errorf("A: %v, want ErrNotFound", err)
		}
		if v, err := cfg.B.Get(ctx); err != nil || v != "" {
			t.Errorf("B = %q, %v; want zero value, nil", v, err)
		}
	})
	t.Run("cancelled context is not served stale", func(t *testing.T) {
		clk := newClock()
		b := mock.New(map[string]string{"/k": "v"})
		s, _ := loadOne(t, b, "ttl=1m,stale_on_error", vaultly.WithClock(clk.Now))
		if _, err := s.Get(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Get(cctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("err = %v, want context.Canceled only", err)
		}
	})
}

func TestPrefetch(t *testing.T) {
	t.Parallel()
	type cfg struct {
		Plain string                 `secret:"/plain"`
		Lazy  vaultly.Secret[int]    `secret:"/lazy"`
		Opt   vaultly.Secret[string] `secret:"/opt,optional"`
	}
	t.Run("one batch, first Get warm", func(t *testing.T) {
		b := mock.New(map[string]string{"/plain": "p", "/lazy": "7"})
		var c cfg
		if err := vaultly.Load(&c, b, vaultly.WithPrefetch(true)); err != nil {
			t.Fatal(err)
		}
		if v, err := c.Lazy.Get(context.Background()); err != nil || v != 7 {
			t.Errorf("Lazy = %v, %v", v, err)
		}
		want := [][]vaultly.Ref{{{Path: "/plain"}, {Path: "/lazy"}, {Path: "/opt"}}}
		if diff := cmp.Diff(want, b.BatchCalls()); diff != "" {
			t.Errorf("batches (-want +got):\n%s", diff)
		}
		if b.Requests() != 1 {
			t.Errorf("requests = %d, want 1", b.Requests())
		}
	})
	t.Run("a bad lazy value fails Load", func(t *testing.T) {
		b := mock.New(map[string]string{"/plain": "p", "/lazy": "seven"})
		c := cfg{Plain: "before"}
		err := vaultly.Load(&c, b, vaultly.WithPrefetch(true))
		checkErr(t, err, []error{vaultly.ErrConfig}, []string{"cfg.Lazy", "invalid number"})
		if c.Plain != "before" {
			t.Errorf("dst changed on failure: %+v", c.Plain)
		}
	})
}

func TestNonBatchBackendBoundedConcurrency(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	var cfg struct {
		A, B, C, D string `secret:"/x"` // one Ref
		E          string `secret:"/e"`
		F          int    `secret:"/f"`
	}
	values["/x"], values["/e"], values["/f"] = "x", "e", "6"
	b := mock.New(values)
	if err := vaultly.Load(&cfg, b.Plain(), vaultly.WithConcurrency(2)); err != nil {
		t.Fatal(err)
	}
	if cfg.A != "x" || cfg.D != "x" || cfg.E != "e" || cfg.F != 6 {
		t.Errorf("cfg = %+v", cfg)
	}
	if b.Requests() != 3 || len(b.BatchCalls()) != 0 {
		t.Errorf("requests = %d, batches = %d; want 3 Gets, no batch", b.Requests(), len(b.BatchCalls()))
	}
}

func TestLoadErrorsFromBackend(t *testing.T) {
	t.Parallel()
	var cfg struct {
		A string `secret:"/a"`
		B string `secret:"/b"`
	}
	b := mock.New(map[string]string{"/a": "a", "/b": "b"})
	b.Fail("/b", backendkit.NewError("mock", vaultly.ErrAuth, vaultly.Ref{Path: "/b"}, errDown))
	err := vaultly.Load(&cfg, b)
	checkErr(t, err, []error{vaultly.ErrAuth}, []string{"struct.B", "not authorized", "connection refused"})
	if errors.Is(err, vaultly.ErrNotFound) || strings.Contains(err.Error(), "struct.A") {
		t.Errorf("only B failed: %v", err)
	}
	if !errors.Is(err, errDown) {
		t.Errorf("backend cause not reachable: %v", err)
	}
	if cfg.A != "" {
		t.Errorf("dst half filled: %+v", cfg)
	}
}

// TestSingleFlight: 100 goroutines on one cold Secret make one call.
func TestSingleFlight(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/k": "v"})
	s, _ := loadOne(t, b, "ttl=5m")
	release := b.Hold("/k")
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.Get(ctx)
			if err == nil && v != "v" {
				err = fmt.Errorf("got %q", v)
			}
			errs <- err
		}()
	}
	if err := b.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := b.Requests(); n != 1 {
		t.Errorf("backend requests = %d, want 1", n)
	}
}

// TestWarmReadsNeverCallTheBackend: many readers of a cached value.
func TestWarmReadsNeverCallTheBackend(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/k": "v"})
	s, _ := loadOne(t, b, "ttl=5m")
	ctx := context.Background()
	if _, err := s.Get(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				if v, err := s.Get(ctx); err != nil || v != "v" {
					t.Errorf("Get = %q, %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := b.Requests(); n != 1 {
		t.Errorf("backend requests = %d, want 1", n)
	}
}

func TestSharedCacheAcrossFields(t *testing.T) {
	t.Parallel()
	type DB struct {
		Password vaultly.Secret[string] `secret:"/db/<stage>/password,ttl=1m"`
	}
	var cfg struct {
		Stage string
		DB    DB
		Again vaultly.Secret[[]byte] `secret:"/db/<stage>/password,ttl=1m"`
	}
	cfg.Stage = "prod"
	b := mock.New(map[string]string{"/db/prod/password": "pw"})
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err1 := cfg.DB.Password.Get(ctx)
	c, err2 := cfg.Again.Get(ctx)
	if err1 != nil || err2 != nil || a != "pw" || string(c) != "pw" {
		t.Fatalf("got %q %q %v %v", a, c, err1, err2)
	}
	if n := b.Requests(); n != 1 {
		t.Errorf("two Secrets of one Ref made %d calls, want 1", n)
	}
	if got := cfg.Again.Ref(); got != (vaultly.Ref{Path: "/db/prod/password"}) {
		t.Errorf("Ref = %v", got)
	}
}

func TestMasking(t *testing.T) {
	t.Parallel()
	type DB struct {
		Password vaultly.Secret[string] `secret:"/db/password"`
		Pool     int                    `secret:"/db/pool"`
		Host     string
	}
	type Config struct {
		Stage string
		DB    DB
		Token string `secret:"/token" json:"token"`
		Skip  string `json:"-"`
	}
	b := mock.New(map[string]string{"/db/password": "hunter2", "/db/pool": "31337", "/token": "tok-abc"})
	cfg := Config{Stage: "prod", DB: DB{Host: "db.internal"}, Skip: "x"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.DB.Password.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"hunter2", "31337", "tok-abc"}
	pw := cfg.DB.Password
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-8v", "%T"} {
		got := fmt.Sprintf(verb, pw)
		if strings.Contains(got, "hunter2") || (verb != "%T" && !strings.Contains(got, "***")) {
			t.Errorf("Sprintf(%s, secret) = %q", verb, got)
		}
		got = fmt.Sprintf(verb, vaultly.Redact(cfg))
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("Sprintf(%s, Redact(cfg)) = %q contains %q", verb, got, s)
			}
		}
	}
	if got, want := fmt.Sprint(vaultly.Redact(&cfg)), "{Stage:prod DB:{Password:*** Pool:*** Host:db.internal} Token:*** Skip:x}"; got != want {
		t.Errorf("Redact text:\n got %s\nwant %s", got, want)
	}
	j, err := json.Marshal(vaultly.Redact(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(j), `{"Stage":"prod","DB":{"Password":"***","Pool":"***","Host":"db.internal"},"token":"***"}`; got != want {
		t.Errorf("Redact JSON:\n got %s\nwant %s", got, want)
	}
	if j, _ := json.Marshal(pw); string(j) != `"***"` {
		t.Errorf("json.Marshal(secret) = %s", j)
	}
	if txt, _ := pw.MarshalText(); string(txt) != "***" {
		t.Errorf("MarshalText = %s", txt)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("loaded", "config", vaultly.Redact(cfg), "pw", pw, "raw", cfg.DB.Password)
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("slog output contains %q: %s", s, out)
		}
	}
	if !strings.Contains(out, `"config":{"Stage":"prod","DB":{"Password":"***","Pool":"***","Host":"db.internal"}`) {
		t.Errorf("slog group not as expected: %s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger used from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWarmGetAllocatesNothing guards the zero-allocation hot path (counts,
// not timings: the speed is in BenchmarkSecretGetWarm).
func TestWarmGetAllocatesNothing(t *testing.T) {
	b := mock.New(map[string]string{"/k": "v"})
	s, _ := loadOne(t, b, "ttl=1h")
	ctx := context.Background()
	s.Get(ctx)
	if n := testing.AllocsPerRun(1000, func() { s.Get(ctx) }); n != 0 {
		t.Errorf("warm Get allocates %v times, want 0", n)
	}
	forever, _ := loadOne(t, b, "")
	forever.Get(ctx)
	if n := testing.AllocsPerRun(1000, func() { forever.Get(ctx) }); n != 0 {
		t.Errorf("warm Get without ttl allocates %v times, want 0", n)
	}
}

// TestRefreshDoesNotJoinAnOlderFetch: a Refresh made after a rotation must
// not return the answer of a fetch that was already in flight before it.
func TestRefreshDoesNotJoinAnOlderFetch(t *testing.T) {
	t.Parallel()
	var current atomic.Value
	current.Store("v1")
	started := make(chan struct{}, 4)
	gate := make(chan struct{})
	var calls atomic.Int32
	b := backendkit.Func(func(ctx context.Context, ref vaultly.Ref) (string, error) {
		v := current.Load().(string) // the store answers now...
		if calls.Add(1) == 1 {
			started <- struct{}{}
			<-gate // ...and the first answer is still on its way
		}
		return v, nil
	})
	misses := make(chan struct{}, 4)
	s, _ := loadOne(t, b, "ttl=1h", vaultly.WithHooks(vaultly.Hooks{OnCacheMiss: func(vaultly.Ref) { misses <- struct{}{} }}))
	ctx := context.Background()
	go s.Get(ctx) // a reader's fetch reads v1
	<-started
	<-misses
	current.Store("v2") // rotation
	res := make(chan string)
	go func() { v, _ := s.Refresh(ctx); res <- v }()
	<-misses // Refresh is about to wait on the flight
	for range 100 {
		runtime.Gosched()
	}
	close(gate)
	if v := <-res; v != "v2" {
		t.Errorf("Refresh after the rotation = %q, want v2", v)
	}
}

// TestInvalidateDiscardsAnOlderFetch: a fetch in flight when Invalidate is
// called neither fills the cache nor answers a Get made after it.
func TestInvalidateDiscardsAnOlderFetch(t *testing.T) {
	t.Parallel()
	var current atomic.Value
	current.Store("v1")
	started := make(chan struct{}, 4)
	gate := make(chan struct{})
	var calls atomic.Int32
	b := backendkit.Func(func(ctx context.Context, ref vaultly.Ref) (string, error) {
		v := current.Load().(string)
		if calls.Add(1) == 1 {
			started <- struct{}{}
			<-gate
		}
		return v, nil
	})
	s, l := loadOne(t, b, "ttl=1h")
	ctx := context.Background()
	first := make(chan string)
	go func() { v, _ := s.Get(ctx); first <- v }()
	<-started
	current.Store("v2")
	l.Invalidate(s.Ref())
	close(gate)
	if v := <-first; v != "v1" {
		t.Errorf("the Get made before Invalidate = %q, want its own answer v1", v)
	}
	if v, _ := s.Get(ctx); v != "v2" {
		t.Errorf("Get after Invalidate = %q, want v2 (the older answer must not be cached)", v)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("backend calls = %d, want 2", n)
	}
}
