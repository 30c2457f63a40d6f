package faulttest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// newClock is the fake clock given to vaultly.WithClock: the tests move
// the cache's time instead of waiting for it.
func newClock() *mock.Clock {
	return mock.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
}

// logSink captures the loader's slog output as JSON lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// records parses every line; a line that is not a JSON object fails the
// test.
func (s *logSink) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.text()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		out = append(out, rec)
	}
	return out
}

const staleMsg = "vaultly: backend unavailable, serving last good value"

// staleWarnings counts the stale warnings logged for field, checking that
// each is a WARN record with the path, the age and the error.
func (s *logSink) staleWarnings(t *testing.T, field string) int {
	t.Helper()
	n := 0
	for _, rec := range s.records(t) {
		if rec["msg"] != staleMsg || rec["field"] != field {
			continue
		}
		n++
		if rec["level"] != "WARN" {
			t.Errorf("stale record level = %v, want WARN", rec["level"])
		}
		for _, k := range []string{"path", "stale_for", "error"} {
			if v, _ := rec[k].(string); v == "" {
				t.Errorf("stale record without %q: %v", k, rec)
			}
		}
	}
	return n
}

// noSecrets fails the test if the captured log holds any of values.
func (s *logSink) noSecrets(t *testing.T, values ...string) {
	t.Helper()
	text := s.text()
	for _, v := range values {
		if strings.Contains(text, v) {
			t.Errorf("log output contains the secret value %q", v)
		}
	}
}

// probe counts every hook call.
type probe struct {
	mu      sync.Mutex
	fetches map[vaultly.Ref]map[string]int
	reauths []error

	hits, misses, stale, retries atomic.Int64
}

func (p *probe) hooks() vaultly.Hooks {
	return vaultly.Hooks{
		OnFetch: func(ref vaultly.Ref, _ time.Duration, err error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.fetches == nil {
				p.fetches = make(map[vaultly.Ref]map[string]int)
			}
			if p.fetches[ref] == nil {
				p.fetches[ref] = make(map[string]int)
			}
			p.fetches[ref][vaultly.KindOf(err)]++
		},
		OnCacheHit:  func(vaultly.Ref) { p.hits.Add(1) },
		OnCacheMiss: func(vaultly.Ref) { p.misses.Add(1) },
		OnStale:     func(vaultly.Ref, time.Duration) { p.stale.Add(1) },
		OnRetry:     func(vaultly.Ref, int, error, time.Duration) { p.retries.Add(1) },
		OnReauth: func(_ string, err error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.reauths = append(p.reauths, err)
		},
	}
}

// fetched returns the fetches of ref with the given outcome.
func (p *probe) fetched(ref vaultly.Ref, kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches[ref][kind]
}

func (p *probe) reauthCalls() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.reauths...)
}

// secrets is a config struct built at run time with one
// vaultly.Secret[string] field per path, for scenarios with many fields.
type secrets struct {
	v reflect.Value // *struct{...}
}

// newSecrets builds the struct; opts is appended to every tag
// (",ttl=1m").
func newSecrets(paths []string, opts string) *secrets {
	fields := make([]reflect.StructField, len(paths))
	for i, p := range paths {
		fields[i] = reflect.StructField{
			Name: "S" + strconv.Itoa(i),
			Type: reflect.TypeFor[vaultly.Secret[string]](),
			Tag:  reflect.StructTag(`secret:"` + p + opts + `"`),
		}
	}
	return &secrets{v: reflect.New(reflect.StructOf(fields))}
}

func (s *secrets) ptr() any { return s.v.Interface() }

func (s *secrets) at(i int) *vaultly.Secret[string] {
	return s.v.Elem().Field(i).Addr().Interface().(*vaultly.Secret[string])
}

// paths returns n paths below prefix: prefix/0, prefix/1, ...
func paths(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "/" + strconv.Itoa(i)
	}
	return out
}

// settleGoroutines waits, up to a bound, for the goroutine count to fall
// to at most want, and returns the last count. It waits for goroutines to
// end (connection readers closing), not for time to pass.
func settleGoroutines(want int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
}

// longest keeps the longest duration it was given.
type longest struct{ ns atomic.Int64 }

func (l *longest) observe(d time.Duration) {
	for {
		cur := l.ns.Load()
		if int64(d) <= cur || l.ns.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

func (l *longest) get() time.Duration { return time.Duration(l.ns.Load()) }

// mustLoader is vaultly.New for tests: an error fails the test.
func mustLoader(t testing.TB, b vaultly.Backend, opts ...vaultly.Option) *vaultly.Loader {
	t.Helper()
	l, err := vaultly.New(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
