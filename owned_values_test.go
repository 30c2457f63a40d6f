package vaultly_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestGetReturnsAValueTheCallerOwns: a caller that clears a []byte key
// after use, or changes a map or a slice, changes only its own copy;
// every later Get returns the cached value as it was fetched.
func TestGetReturnsAValueTheCallerOwns(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{
		"/key":   "c2VjcmV0LWtleQ==", // "secret-key"
		"/raw":   "raw-bytes",
		"/map":   `{"a":"1","b":"2"}`,
		"/list":  `["x","y"]`,
		"/creds": `{"User":"u","Tags":["t1"]}`,
	})
	type creds struct {
		User string
		Tags []string
	}
	var cfg struct {
		Key   vaultly.Secret[[]byte]            `secret:"/key,encoding=base64"`
		Raw   vaultly.Secret[[]byte]            `secret:"/raw"`
		Map   vaultly.Secret[map[string]string] `secret:"/map"`
		List  vaultly.Secret[[]string]          `secret:"/list"`
		Creds vaultly.Secret[creds]             `secret:"/creds"`
	}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 { // the first round reads what Load cached, the second what the first left
		key, _ := cfg.Key.Get(ctx)
		raw, _ := cfg.Raw.Get(ctx)
		m, _ := cfg.Map.Get(ctx)
		list, _ := cfg.List.Get(ctx)
		c, _ := cfg.Creds.Get(ctx)
		got := []any{string(key), string(raw), m, list, c}
		want := []any{"secret-key", "raw-bytes", map[string]string{"a": "1", "b": "2"}, []string{"x", "y"},
			creds{User: "u", Tags: []string{"t1"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Get after callers changed their values (-want +got):\n%s", diff)
		}
		clear(key)
		clear(raw)
		m["a"] = "changed"
		delete(m, "b")
		list[0] = "changed"
		c.Tags[0] = "changed"
	}
}

// TestGetOfValuesThatCannotAliasDoesNotAllocate: a T that shares no
// memory with the cache is handed out as it is.
func TestGetOfValuesThatCannotAliasDoesNotAllocate(t *testing.T) {
	var cfg struct {
		S vaultly.Secret[string] `secret:"/s,ttl=1h"`
		N vaultly.Secret[int]    `secret:"/n,ttl=1h"`
	}
	if err := vaultly.Load(&cfg, mock.New(map[string]string{"/s": "v", "/n": "7"})); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		cfg.S.Get(ctx)
		cfg.N.Get(ctx)
	}); n != 0 {
		t.Errorf("warm Get of a string and an int allocates %v times", n)
	}
}
