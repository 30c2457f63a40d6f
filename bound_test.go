package vaultly_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestMaxEntries: the cache holds at most n values; the value read least
// lately is dropped, a Secret reading it fetches it again, and a fetch in
// flight is never cut short.
func TestMaxEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := mock.New(map[string]string{"/a": "va", "/b": "vb", "/c": "vc"})
	l := mustLoader(t, b, vaultly.WithMaxEntries(2))
	var cfg struct {
		A vaultly.Secret[string] `secret:"/a"`
		B vaultly.Secret[string] `secret:"/b"`
		C vaultly.Secret[string] `secret:"/c"`
	}
	if err := l.Load(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	// Load made a, b and c in that order: the hand gave a and b a second
	// chance, passed the newcomer c, and dropped a.
	b.ResetCalls()
	for _, s := range []*vaultly.Secret[string]{&cfg.B, &cfg.C, &cfg.A, &cfg.A} {
		if _, err := s.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]vaultly.Ref{{Path: "/a"}}, b.Calls()); diff != "" {
		t.Errorf("backend calls after the bound dropped /a (-want +got):\n%s", diff)
	}

	// A fetch in flight on a value the hand drops still answers.
	b.ResetCalls()
	release := b.Hold("/b")
	got := make(chan error, 1)
	go func() {
		v, err := cfg.B.Refresh(ctx)
		if err == nil && v != "vb" {
			err = errors.New("Refresh = " + v)
		}
		got <- err
	}()
	if err := b.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	l.InvalidateAll() // drops every value; the fetch goes on
	if v, err := cfg.C.Get(ctx); err != nil || v != "vc" {
		t.Fatalf("Get c = %q, %v", v, err)
	}
	release()
	if err := <-got; err != nil {
		t.Errorf("the fetch in flight: %v", err)
	}
}

func TestMaxEntriesInvalid(t *testing.T) {
	t.Parallel()
	if _, err := vaultly.New(mock.New(nil), vaultly.WithMaxEntries(0)); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("WithMaxEntries(0) = %v, want ErrConfig", err)
	}
}

// TestIdleSlotsGo: a Loader that loads structs for many tenants and drops
// them keeps no slot for them: their slots are collected and InvalidateAll
// (or the next sweep) removes their map entries.
func TestIdleSlotsGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	values := map[string]string{}
	for i := range 500 {
		values["/tenants/t"+strconv.Itoa(i)+"/key"] = "k"
	}
	l := mustLoader(t, mock.New(values))
	kept := struct {
		Tenant string
		Key    vaultly.Secret[string] `secret:"/tenants/<tenant>/key"`
	}{Tenant: "t0"}
	if err := l.Load(ctx, &kept); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 500; i++ {
		cfg := struct {
			Tenant string
			Key    vaultly.Secret[string] `secret:"/tenants/<tenant>/key"`
		}{Tenant: "t" + strconv.Itoa(i)}
		if err := l.Load(ctx, &cfg); err != nil {
			t.Fatal(err)
		}
	}
	for try := 0; vaultly.SlotsMapped(l) > 1 && try < 20; try++ {
		runtime.GC()
		l.InvalidateAll()
	}
	if n := vaultly.SlotsMapped(l); n != 1 {
		t.Errorf("slots mapped after the tenants were dropped = %d, want 1 (the struct still held)", n)
	}
	if v, err := kept.Key.Get(ctx); err != nil || v != "k" {
		t.Errorf("the held Secret after InvalidateAll: %q, %v", v, err)
	}
}
