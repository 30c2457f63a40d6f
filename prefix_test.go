package vaultly_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
)

var flagValues = map[string]string{
	"/app/prod/flags/beta":         "true",
	"/app/prod/flags/new/checkout": "yes",
	"/app/prod/flags/dark":         "off",
	"/app/prod/flagship":           "not under the folder",
	"/app/prod/other":              "x",
}

// TestPrefixLoad: a prefix field gets every secret under the rendered
// path, which gains a trailing "/", keyed by the rest of each path with
// "/" between nested names, each value decoded to the map's value type;
// the backend is asked once, with the bound. Plain fields beside it go in
// the usual batch.
func TestPrefixLoad(t *testing.T) {
	t.Parallel()
	type flags map[string]bool
	type named string
	tests := []struct {
		name     string
		backend  func(*store) vaultly.Backend
		dst      func() any
		get      func(any) any
		want     any
		wantList []listCall
	}{
		{
			name:    "map[string]bool, path without a trailing slash",
			backend: func(s *store) vaultly.Backend { return prefixStore{s} },
			dst: func() any {
				return &struct {
					Stage string
					Flags map[string]bool `secret:"/app/<stage>/flags,prefix"`
				}{Stage: "prod"}
			},
			get: func(d any) any {
				return d.(*struct {
					Stage string
					Flags map[string]bool `secret:"/app/<stage>/flags,prefix"`
				}).Flags
			},
			want:     map[string]bool{"beta": true, "new/checkout": true, "dark": false},
			wantList: []listCall{{"/app/prod/flags/", 10000}},
		},
		{
			name:    "named map type and key type, max",
			backend: func(s *store) vaultly.Backend { return prefixBatch{s} },
			dst: func() any {
				return &struct {
					Flags map[named]string `secret:"/app/prod/flags/,prefix,max=3"`
					Other string           `secret:"/app/prod/other"`
				}{}
			},
			get: func(d any) any {
				v := d.(*struct {
					Flags map[named]string `secret:"/app/prod/flags/,prefix,max=3"`
					Other string           `secret:"/app/prod/other"`
				})
				return []any{v.Flags, v.Other}
			},
			want:     []any{map[named]string{"beta": "true", "new/checkout": "yes", "dark": "off"}, "x"},
			wantList: []listCall{{"/app/prod/flags/", 3}},
		},
		{
			name:    "Secret of a named map",
			backend: func(s *store) vaultly.Backend { return prefixStore{s} },
			dst: func() any {
				return &struct {
					Flags vaultly.Secret[flags] `secret:"/app/prod/flags,prefix,ttl=1m"`
				}{}
			},
			get: func(d any) any {
				v, err := d.(*struct {
					Flags vaultly.Secret[flags] `secret:"/app/prod/flags,prefix,ttl=1m"`
				}).Flags.Get(context.Background())
				if err != nil {
					return err
				}
				return v
			},
			want:     flags{"beta": true, "new/checkout": true, "dark": false},
			wantList: []listCall{{"/app/prod/flags/", 10000}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(flagValues)
			dst := tt.dst()
			if err := vaultly.Load(dst, tt.backend(s)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tt.get(dst)); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			_, _, lists, _ := s.calls()
			if diff := cmp.Diff(tt.wantList, lists, cmp.AllowUnexported(listCall{})); diff != "" {
				t.Errorf("GetPrefix calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrefixErrors: a backend that cannot list is a configuration error
// naming the field and the backend, before anything is fetched; nothing
// under the prefix is ErrNotFound naming the field (an empty map with
// optional); more secrets than the bound is ErrConfig naming the bound; a
// value that does not decode names the field and the map key. No error
// quotes a value.
func TestPrefixErrors(t *testing.T) {
	t.Parallel()
	type notListable struct {
		Other string            `secret:"/app/prod/other"`
		Flags map[string]string `secret:"/app/prod/flags,prefix"`
	}
	type empty struct {
		Flags map[string]string `secret:"/nothing,prefix"`
	}
	type tooMany struct {
		Flags map[string]string `secret:"/app/prod/flags,prefix,max=2"`
	}
	type badValue struct {
		Flags map[string]int `secret:"/app/prod/flags,prefix"`
	}
	type secretEmpty struct {
		Flags vaultly.Secret[map[string]string] `secret:"/nothing,prefix"`
	}
	type notAMap struct {
		Flags string `secret:"/app/prod/flags,prefix"`
	}
	type intKeys struct {
		Flags map[int]string `secret:"/app/prod/flags,prefix"`
	}
	tests := []struct {
		name     string
		dst      any
		listable bool
		kind     error
		inErr    []string
		noCalls  bool
		isDecode bool
	}{
		{"backend cannot list", &notListable{}, false, vaultly.ErrConfig,
			[]string{"notListable.Flags", "option prefix needs a backend that can list", "fake is not one"}, true, false},
		{"nothing under the prefix", &empty{}, true, vaultly.ErrNotFound,
			[]string{"empty.Flags", "(/nothing/)", "fake: secret not found: no secret under the prefix"}, false, false},
		{"Secret, nothing under the prefix", &secretEmpty{}, true, vaultly.ErrNotFound,
			[]string{"secretEmpty.Flags", "(/nothing/)"}, false, false},
		{"more than the bound", &tooMany{}, true, vaultly.ErrConfig,
			[]string{"tooMany.Flags", "more than 2 secrets under the prefix", "max=2"}, false, false},
		{"a value that does not decode", &badValue{}, true, vaultly.ErrConfig,
			[]string{"badValue.Flags", `decode: map key "beta": invalid number for int`}, false, true},
		{"not a map", &notAMap{}, true, vaultly.ErrConfig,
			[]string{"notAMap.Flags", "option prefix needs a map[string]T field or a Secret[map[string]T], got string"}, true, false},
		{"map with int keys", &intKeys{}, true, vaultly.ErrConfig,
			[]string{"intKeys.Flags", "got map[int]string"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			values := map[string]string{}
			for k, v := range flagValues {
				values[k] = v + leak
			}
			s := newStore(values)
			var b vaultly.Backend = batchStore{s}
			if tt.listable {
				b = prefixStore{s}
			}
			err := vaultly.Load(tt.dst, b)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Load = %v, want %v", err, tt.kind)
			}
			msg := err.Error()
			for _, w := range tt.inErr {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, leak) {
				t.Errorf("error %q quotes a value", msg)
			}
			if got := vaultly.IsConversionError(err); got != tt.isDecode {
				t.Errorf("IsConversionError = %v, want %v", got, tt.isDecode)
			}
			gets, batches, lists, _ := s.calls()
			if tt.noCalls && len(gets)+len(batches)+len(lists) > 0 {
				t.Errorf("the backend was asked (%v %v %v) although the struct is wrong", gets, batches, lists)
			}
		})
	}
}

// TestPrefixOptional: with optional, nothing under the prefix is an empty
// map, not nil, on a plain field and from a Secret's Get.
func TestPrefixOptional(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Plain  map[string]string                 `secret:"/nothing,prefix,optional"`
		Secret vaultly.Secret[map[string]string] `secret:"/nothing,prefix,optional"`
	}
	s := newStore(flagValues)
	if err := vaultly.Load(&cfg, prefixStore{s}); err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Secret.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Plain == nil || got == nil || len(cfg.Plain)+len(got) != 0 {
		t.Errorf("Plain = %#v, Secret.Get = %#v; want two empty non-nil maps", cfg.Plain, got)
	}
	_, _, lists, _ := s.calls()
	// Load lists once for both fields; the optional Secret's Get, having no
	// value cached, lists again.
	if diff := cmp.Diff([]listCall{{"/nothing/", 10000}, {"/nothing/", 10000}}, lists, cmp.AllowUnexported(listCall{})); diff != "" {
		t.Errorf("GetPrefix calls (-want +got):\n%s", diff)
	}
}

// TestPrefixSecretRefresh: a Secret of a prefix is cached like any Secret:
// fresh within its TTL (no call), listed again after it, served stale
// through an outage, and its Ref is the prefix.
func TestPrefixSecretRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	s := newStore(map[string]string{"/f/a": "1", "/f/b": "2"})
	var cfg struct {
		Flags vaultly.Secret[map[string]int] `secret:"/f,prefix,ttl=1m,stale_on_error"`
	}
	l := mustLoader(t, prefixStore{s}, vaultly.WithClock(clock.Now), vaultly.WithTTLJitter(0))
	if err := l.Load(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func()
		want    map[string]int
		listing int // GetPrefix calls so far
	}{
		{"warm", func() {}, map[string]int{"a": 1, "b": 2}, 1},
		{"fresh after a change", func() { s.set("/f/c", "3"); clock.Advance(59 * time.Second) }, map[string]int{"a": 1, "b": 2}, 1},
		{"expired", func() { clock.Advance(time.Second) }, map[string]int{"a": 1, "b": 2, "c": 3}, 2},
		{"outage: stale", func() { s.failWith(errors.New("connection refused")); clock.Advance(time.Minute) }, map[string]int{"a": 1, "b": 2, "c": 3}, 3},
		{"back", func() { s.failWith(nil); s.set("/f/a", "10"); clock.Advance(time.Minute) }, map[string]int{"a": 10, "b": 2, "c": 3}, 4},
	}
	for _, st := range steps {
		st.do()
		got, err := cfg.Flags.Get(ctx)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		got["mutated"] = 1 // the caller's copy: no other reader sees it
		if _, _, lists, _ := s.calls(); len(lists) != st.listing {
			t.Errorf("%s: %d GetPrefix calls, want %d", st.name, len(lists), st.listing)
		}
	}
	if got, want := cfg.Flags.Ref(), (vaultly.Ref{Path: "/f/"}); got != want {
		t.Errorf("Ref() = %v, want %v", got, want)
	}
	l.Invalidate(vaultly.Ref{Path: "/f/"})
	if _, err := cfg.Flags.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, lists, _ := s.calls(); len(lists) != 5 {
		t.Errorf("after Invalidate: %d GetPrefix calls, want 5", len(lists))
	}
}

// TestPrefixAndPlainPathApart: a prefix and a plain Secret of the same
// rendered path, and two prefixes of one path under different bounds, are
// different cache entries: none answers another.
func TestPrefixAndPlainPathApart(t *testing.T) {
	t.Parallel()
	s := newStore(map[string]string{"/f/": "the folder's own value", "/f/a": "1", "/f/b": "2"})
	var cfg struct {
		Own   vaultly.Secret[string]            `secret:"/f/"`
		All   vaultly.Secret[map[string]string] `secret:"/f/,prefix"`
		Small vaultly.Secret[map[string]string] `secret:"/f/,prefix,max=1"`
	}
	err := vaultly.Load(&cfg, prefixStore{s})
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "Small") || strings.Contains(err.Error(), "All") {
		t.Fatalf("Load = %v, want only Small past its bound", err)
	}
	var ok struct {
		Own vaultly.Secret[string]            `secret:"/f/"`
		All vaultly.Secret[map[string]string] `secret:"/f/,prefix"`
	}
	if err := vaultly.Load(&ok, prefixStore{s}); err != nil {
		t.Fatal(err)
	}
	own, err1 := ok.Own.Get(context.Background())
	all, err2 := ok.All.Get(context.Background())
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"the folder's own value", map[string]string{"a": "1", "b": "2"}}, []any{own, all}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
