package bench

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// storeLatency is the latency added to every request in rows 3 to 5,
// standing in for the round trip to the secret store.
const storeLatency = 20 * time.Millisecond

// fieldNames lists the tagged fields of Config100 with their Go paths, in
// declaration order: "S00", "Service.S40", "Limits.D09", ...
func fieldNames() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, prefix+f.Name+".")
			case f.Tag.Get("env") != "":
				out = append(out, prefix+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[Config100](), "")
	return out
}

// shortName is the last element of a Go path: "Service.S40" -> "S40".
func shortName(goPath string) string {
	return goPath[strings.LastIndexByte(goPath, '.')+1:]
}

// storePath is where the value of field S40 lives for stage prod, as
// vaultly renders the tag: "/app/prod/s40".
func storePath(name string) string {
	return "/app/prod/" + strings.ToLower(name[:1]) + name[1:]
}

// storeValues maps every store path of Config100 to its text.
func storeValues() map[string]string {
	out := map[string]string{}
	for k, v := range Values100() {
		out[storePath(k)] = v
	}
	return out
}

// envValues maps every environment key of Config100 to its text.
func envValues() map[string]string {
	out := map[string]string{}
	for k, v := range Values100() {
		out["APP_"+k] = v
	}
	return out
}

// want100 is Config100 as every library must fill it.
func want100(tb testing.TB) Config100 {
	tb.Helper()
	var c Config100
	if err := fillByName(&c, func(name string) (string, error) { return Values100()[name], nil }); err != nil {
		tb.Fatal(err)
	}
	return c
}

// fillByName sets each tagged field of cfg from get(short field name),
// converting the text the way a hand-written loader would (strconv,
// time.ParseDuration). It stands for the code a service writes around a
// client that returns text.
func fillByName(cfg *Config100, get func(name string) (string, error)) error {
	var fill func(v reflect.Value) error
	fill = func(v reflect.Value) error {
		t := v.Type()
		for i := range t.NumField() {
			f, fv := t.Field(i), v.Field(i)
			if f.Type.Kind() == reflect.Struct {
				if err := fill(fv); err != nil {
					return err
				}
				continue
			}
			if f.Tag.Get("env") == "" {
				continue
			}
			text, err := get(f.Name)
			if err != nil {
				return err
			}
			if err := setText(fv, text); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		return nil
	}
	return fill(reflect.ValueOf(cfg).Elem())
}

func setText(fv reflect.Value, text string) error {
	switch fv.Interface().(type) {
	case string:
		fv.SetString(text)
	case int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return err
		}
		fv.SetInt(int64(n))
	case bool:
		fv.SetBool(text == "true")
	case time.Duration:
		d, err := time.ParseDuration(text)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

func check100(tb testing.TB, who string, got Config100) {
	tb.Helper()
	want := want100(tb)
	got.Stage = want.Stage
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s filled Config100 wrongly:\n got %+v\nwant %+v", who, got, want)
	}
}

// rwCache is the cache a service writes by hand: a map under a
// sync.RWMutex, each entry with an expiry, filled on a miss by whichever
// goroutine found it missing (no single flight).
type rwCache struct {
	mu    sync.RWMutex
	m     map[string]rwEntry
	ttl   time.Duration
	fetch func(ctx context.Context, key string) (string, error)
}

type rwEntry struct {
	val string
	exp time.Time
}

func newRWCache(ttl time.Duration, fetch func(ctx context.Context, key string) (string, error)) *rwCache {
	return &rwCache{m: map[string]rwEntry{}, ttl: ttl, fetch: fetch}
}

func (c *rwCache) Get(ctx context.Context, key string) (string, error) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && time.Now().Before(e.exp) {
		return e.val, nil
	}
	v, err := c.fetch(ctx, key)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.m[key] = rwEntry{val: v, exp: time.Now().Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// floor is the least a cached read with an expiry can do: one atomic
// pointer load and one time.Now.
type floor struct {
	p atomic.Pointer[rwEntry]
}

func (f *floor) Get() (string, bool) {
	e := f.p.Load()
	return e.val, time.Now().Before(e.exp)
}

// cloneStore is a vaultly.BatchBackend over a map that returns a fresh
// copy of every value, as a backend that decodes an answer from the
// network does, so that the value bytes are the reader's to keep.
type cloneStore struct {
	m map[string]string
}

var _ vaultly.BatchBackend = cloneStore{}

func (s cloneStore) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	v, ok := s.m[ref.Path]
	if !ok {
		return "", backendkit.NewError("clone", vaultly.ErrNotFound, ref, nil)
	}
	return strings.Clone(v), nil
}

func (s cloneStore) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := make(map[vaultly.Ref]string, len(refs))
	for _, r := range refs {
		if v, ok := s.m[r.Path]; ok {
			out[r] = strings.Clone(v)
		}
	}
	return out, nil
}

// mapStore is the leanest vaultly.BatchBackend: a map, no bookkeeping.
type mapStore map[string]string

var _ vaultly.BatchBackend = mapStore(nil)

func (s mapStore) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	v, ok := s[ref.Path]
	if !ok {
		return "", backendkit.NewError("map", vaultly.ErrNotFound, ref, nil)
	}
	return v, nil
}

func (s mapStore) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := make(map[vaultly.Ref]string, len(refs))
	for _, r := range refs {
		if v, ok := s[r.Path]; ok {
			out[r] = v
		}
	}
	return out, nil
}
