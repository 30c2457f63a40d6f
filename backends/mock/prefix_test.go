package mock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"/app/flags/a":     "1",
		"/app/flags/b/c":   "2",
		"/app/flags/b/d/e": "",
		"/app/flagsx":      "no",
		"/app/flags":       "no",
		"/other/a":         "no",
	}
	boom := errors.New("boom")
	tests := []struct {
		name   string
		setup  func(*mock.Backend)
		prefix string
		max    int
		want   map[string]string
		kind   string // "ok" or the error kind
		errMsg string
	}{
		{name: "nested keys", prefix: "/app/flags/", max: 10, kind: "ok",
			want: map[string]string{"a": "1", "b/c": "2", "b/d/e": ""}},
		{name: "a folder below", prefix: "/app/flags/b/", max: 10, kind: "ok",
			want: map[string]string{"c": "2", "d/e": ""}},
		{name: "nothing under it", prefix: "/app/none/", max: 10, kind: "ok", want: map[string]string{}},
		{name: "a secret is not a folder", prefix: "/app/flagsx/", max: 10, kind: "ok", want: map[string]string{}},
		{name: "exactly max", prefix: "/app/flags/", max: 3, kind: "ok",
			want: map[string]string{"a": "1", "b/c": "2", "b/d/e": ""}},
		{name: "versions are not listed", setup: func(b *mock.Backend) { b.SetVersion("/app/flags/v", "1", "x") },
			prefix: "/app/flags/b/", max: 10, kind: "ok", want: map[string]string{"c": "2", "d/e": ""}},
		{name: "no trailing slash", prefix: "/app/flags", max: 10, kind: "config",
			errMsg: `mock: /app/flags: configuration error: prefix does not end in "/"`},
		{name: "fail all", setup: func(b *mock.Backend) { b.FailAll(boom) }, prefix: "/app/flags/", max: 10, kind: "transient",
			errMsg: "mock: /app/flags/: transient backend failure: boom"},
		{name: "fail the prefix", setup: func(b *mock.Backend) { b.Fail("/app/flags/", vaultly.ErrAuth) }, prefix: "/app/flags/", max: 10, kind: "auth"},
		{name: "fail a path under it", setup: func(b *mock.Backend) { b.Fail("/app/flags/b/c", vaultly.ErrAuth) }, prefix: "/app/flags/", max: 10, kind: "auth"},
		{name: "fail a path elsewhere", setup: func(b *mock.Backend) { b.Fail("/other/a", vaultly.ErrAuth) }, prefix: "/app/flags/b/", max: 10, kind: "ok",
			want: map[string]string{"c": "2", "d/e": ""}},
		{name: "invalid option", setup: nil, prefix: "/app/flags/", max: 10, kind: "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []mock.Option
			if tt.name == "invalid option" {
				opts = append(opts, mock.WithName(""))
			}
			b := mock.New(values, opts...)
			if tt.setup != nil {
				tt.setup(b)
			}
			got, err := b.GetPrefix(context.Background(), tt.prefix, tt.max)
			if k := kindOrOK(err); k != tt.kind {
				t.Fatalf("GetPrefix = %v, %v; want kind %s", got, err, tt.kind)
			}
			if tt.errMsg != "" && err.Error() != tt.errMsg {
				t.Errorf("error = %q, want %q", err, tt.errMsg)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GetPrefix (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]vaultly.Ref{{Path: tt.prefix}}, b.Calls()); diff != "" || b.Requests() != 1 {
				t.Errorf("requests %d, calls (-want +got):\n%s", b.Requests(), diff)
			}
		})
	}
}

func kindOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return vaultly.KindOf(err)
}

// GetPrefix stops once it holds more than max entries.
func TestGetPrefixMax(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		values["/p/"+k] = k
	}
	b := mock.New(values)
	for max := range 7 {
		got, err := b.GetPrefix(context.Background(), "/p/", max)
		want := min(max+1, 6)
		if err != nil || len(got) != want {
			t.Errorf("GetPrefix(max %d) = %d entries, %v; want %d", max, len(got), err, want)
		}
		for k, v := range got {
			if values["/p/"+k] != v {
				t.Errorf("GetPrefix(max %d): %q = %q, want %q", max, k, v, values["/p/"+k])
			}
		}
	}
}

// FailNext on a listed path counts the listing as one of its calls.
func TestGetPrefixFailNext(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/p/a": "1"})
	b.FailNext("/p/a", 1, vaultly.ErrTransient)
	var kinds []string
	for range 2 {
		_, err := b.GetPrefix(context.Background(), "/p/", 10)
		kinds = append(kinds, kindOrOK(err))
	}
	if diff := cmp.Diff([]string{"transient", "ok"}, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

// A held listing waits for its release or its context.
func TestGetPrefixHoldAndCancel(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/p/a": "1"})
	release := b.Hold("/p/")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.GetPrefix(ctx, "/p/", 10)
		done <- err
	}()
	if err := b.AwaitWaiting(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled GetPrefix = %v, want a cancellation", err)
	}
	release()
	got, err := b.GetPrefix(context.Background(), "/p/", 10)
	if diff := cmp.Diff(map[string]string{"a": "1"}, got); diff != "" || err != nil {
		t.Errorf("after release: %v, (-want +got):\n%s", err, diff)
	}
}
