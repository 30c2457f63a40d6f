package vault_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func TestGetValues(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	// PutJSON keeps the number text as written, to show the backend
	// passes on exactly the text it receives.
	srv.PutJSON("app/config", `{
		"value": "plain",
		"password": "p@ss: word",
		"port": 5432,
		"big": 12345678901234567890123,
		"ratio": 1.50,
		"tiny": 1e-7,
		"enabled": true,
		"disabled": false,
		"flags": {"b": true, "a": 1, "html": "<&>"},
		"hosts": ["a", "b"],
		"empty": "",
		"nothing": null
	}`)
	b := newBackend(t, srv)

	tests := []struct {
		path string
		want string
	}{
		{"app/config", "plain"},
		{"/app/config/", "plain"},
		{"app/config:value", "plain"},
		{"app/config:password", "p@ss: word"},
		{"app/config:port", "5432"},
		{"app/config:big", "12345678901234567890123"},
		{"app/config:ratio", "1.50"},
		{"app/config:tiny", "1e-7"},
		{"app/config:enabled", "true"},
		{"app/config:disabled", "false"},
		{"app/config:flags", `{"a":1,"b":true,"html":"<&>"}`},
		{"app/config:hosts", `["a","b"]`},
		{"app/config:empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			got, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got != tt.want {
				t.Errorf("Get = %q, want %q", got, tt.want)
			}
		})
	}
}

// A real Vault stores numbers as float64: written through the API, they
// come back the way Vault reformats them.
func TestGetNumbersAsVaultStoresThem(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	_, err := srv.Client().Logical().WriteBytes("secret/data/n", []byte(`{"data":{"port":5432,"ratio":1.50,"big":123456789012345678901234567890}}`))
	if err != nil {
		t.Fatal(err)
	}
	b := newBackend(t, srv)
	got, err := b.GetBatch(context.Background(), []vaultly.Ref{{Path: "n:port"}, {Path: "n:ratio"}, {Path: "n:big"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[vaultly.Ref]string{{Path: "n:port"}: "5432", {Path: "n:ratio"}: "1.5", {Path: "n:big"}: "1.2345678901234568e+29"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestGetMissing(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("app/db", map[string]any{"password": "hunter2", "user": "app"})
	b := newBackend(t, srv)

	tests := []struct {
		path    string
		wantMsg string
	}{
		{"app/db", `key "value" not in entry`},
		{"app/db:passwd", `key "passwd" not in entry`},
		{"app/nope", ""},
		{"app/nope:password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path})
			if !errors.Is(err, vaultly.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("err = %q, want it to name %q and %q", err, tt.path, tt.wantMsg)
			}
			noValue(t, err, "hunter2")
		})
	}

	srv.Put("app/nulls", map[string]any{"value": nil})
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "app/nulls"}); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("null value: err = %v, want ErrNotFound", err)
	}
}

func TestGetKeySplitsOnLastColon(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("urls/http:8080", map[string]any{"value": "default", "host": "h"})
	b := newBackend(t, srv)
	got, err := b.Get(context.Background(), vaultly.Ref{Path: "urls/http:8080:host"})
	if err != nil || got != "h" {
		t.Fatalf("Get = %q, %v; want h", got, err)
	}
}

func TestGetWithDefaultKeyAndMount(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t, vaulttest.WithMount("kv"))
	srv.Put("svc", map[string]any{"secret": "s", "value": "v"})
	b := newBackend(t, srv, vault.WithMount("/kv/"), vault.WithDefaultKey("secret"))
	got, err := b.Get(context.Background(), vaultly.Ref{Path: "svc"})
	if err != nil || got != "s" {
		t.Fatalf("Get = %q, %v; want s", got, err)
	}
}

func TestGetBadRefs(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	b := newBackend(t, srv)
	for _, ref := range []vaultly.Ref{
		{Path: ""},
		{Path: "/"},
		{Path: ":key"},
		{Path: "a:"},
		{Path: "a//b"},
		{Path: "a/../../sys/seal"},
		{Path: "a/./b"},
		{Path: "a", Version: "abc"},
		{Path: "a", Version: "0"},
		{Path: "a", Version: "-1"},
		{Path: "a", Version: "01"},
		{Path: "a", Version: "1.5"},
		{Path: "a", Version: "latest"},
	} {
		_, err := b.Get(context.Background(), ref)
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("Get(%#v): err = %v, want ErrConfig", ref, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad refs made %d requests, want 0", n)
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, pw := range []string{"one", "two", "three"} {
		srv.Put("app/db", map[string]any{"password": pw})
	}
	b := newBackend(t, srv)
	ctx := context.Background()

	tests := []struct {
		version string
		want    string
		wantErr error
	}{
		{"", "three", nil},
		{"1", "one", nil},
		{"2", "two", nil},
		{"3", "three", nil},
		{"4", "", vaultly.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := b.Get(ctx, vaultly.Ref{Path: "app/db:password", Version: tt.version})
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("version %q: Get = %q, %v; want %q, %v", tt.version, got, err, tt.want, tt.wantErr)
		}
	}
	var queries []string
	for _, r := range srv.Requests() {
		queries = append(queries, r.Query)
	}
	if diff := cmp.Diff([]string{"", "version=1", "version=2", "version=3", "version=4"}, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestDeletedAndDestroyedVersions(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, pw := range []string{"one", "two", "three"} {
		srv.Put("app/db", map[string]any{"value": pw})
	}
	srv.Delete("app/db", 2)
	srv.Destroy("app/db", 1)
	b := newBackend(t, srv)
	ctx := context.Background()

	tests := []struct {
		version string
		wantMsg string
	}{
		{"1", "version 1 is destroyed"},
		{"2", "version 2 is deleted"},
	}
	for _, tt := range tests {
		got, err := b.Get(ctx, vaultly.Ref{Path: "app/db", Version: tt.version})
		if !errors.Is(err, vaultly.ErrNotFound) || got != "" {
			t.Fatalf("version %s: Get = %q, %v; want ErrNotFound", tt.version, got, err)
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("version %s: err = %q, want %q", tt.version, err, tt.wantMsg)
		}
	}

	// Deleting the latest version makes the path read as not found.
	srv.Delete("app/db")
	if got, err := b.Get(ctx, vaultly.Ref{Path: "app/db"}); !errors.Is(err, vaultly.ErrNotFound) {
		t.Fatalf("deleted latest: Get = %q, %v; want ErrNotFound", got, err)
	}
	srv.Undelete("app/db", 3)
	if got, err := b.Get(ctx, vaultly.Ref{Path: "app/db"}); err != nil || got != "three" {
		t.Fatalf("undeleted: Get = %q, %v", got, err)
	}
}
