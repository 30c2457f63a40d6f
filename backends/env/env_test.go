package env_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/env"
)

func TestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix, path, want string
	}{
		{"MYAPP", "/db/prod/password", "MYAPP_DB_PROD_PASSWORD"},
		{"MYAPP_", "/db/prod/password", "MYAPP_DB_PROD_PASSWORD"},
		{"", "/db/prod/password", "DB_PROD_PASSWORD"},
		{"", "db/prod/password/", "DB_PROD_PASSWORD"},
		{"", "//db/prod//", "DB_PROD"},
		{"", "/db//prod", "DB__PROD"},
		{"", "/services/open-ai/api.key", "SERVICES_OPEN_AI_API_KEY"},
		{"", "/Mixed/Case9", "MIXED_CASE9"},
		{"", "/tenant/über", "TENANT__BER"}, // one '_' per character, not per byte
		{"", "/a b\tc", "A_B_C"},
		{"app", "/x", "app_X"},    // the prefix is used as given
		{"APP__", "/x", "APP__X"}, // no extra '_'
		{"APP", "/", "APP_"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := env.Key(tt.prefix, tt.path); got != tt.want {
			t.Errorf("Key(%q, %q) = %q, want %q", tt.prefix, tt.path, got, tt.want)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"MYAPP_DB_PROD_PASSWORD": "hunter2",
		"MYAPP_EMPTY":            "",
		"DB_PROD_PASSWORD":       "unprefixed",
	}
	var asked []string
	lookup := func(name string) (string, bool) {
		asked = append(asked, name)
		v, ok := vars[name]
		return v, ok
	}
	b := mustNew(t, env.WithPrefix("MYAPP"), env.WithLookup(lookup))
	tests := []struct {
		ref     vaultly.Ref
		want    string
		wantErr error
		msg     string
	}{
		{ref: vaultly.Ref{Path: "/db/prod/password"}, want: "hunter2"},
		{ref: vaultly.Ref{Path: "/db/prod/password", Version: "3"}, want: "hunter2"},
		{ref: vaultly.Ref{Path: "/empty"}, want: ""},
		{ref: vaultly.Ref{Path: "/db/dev/password"}, wantErr: vaultly.ErrNotFound,
			msg: "env: /db/dev/password: secret not found: variable MYAPP_DB_DEV_PASSWORD is not set"},
		{ref: vaultly.Ref{Path: "/"}, wantErr: vaultly.ErrConfig},
	}
	for _, tt := range tests {
		got, err := b.Get(context.Background(), tt.ref)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("Get(%v) = %q, %v; want %q, %v", tt.ref, got, err, tt.want, tt.wantErr)
		}
		if tt.msg != "" && err.Error() != tt.msg {
			t.Errorf("Get(%v) error = %q, want %q", tt.ref, err, tt.msg)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error contains a value: %v", err)
		}
	}
	want := "MYAPP_DB_PROD_PASSWORD MYAPP_DB_PROD_PASSWORD MYAPP_EMPTY MYAPP_DB_DEV_PASSWORD"
	if got := strings.Join(asked, " "); got != want {
		t.Errorf("looked up %q, want %q", got, want)
	}
}

func TestGetContextDone(t *testing.T) {
	t.Parallel()
	b := mustNew(t, env.WithLookup(func(string) (string, bool) { return "v", true }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.Get(ctx, vaultly.Ref{Path: "/a"})
	if !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("Get with canceled ctx = %v, want context.Canceled and no error kind", err)
	}
}

// TestDefaultLookup reads the real environment; it cannot run in parallel.
func TestDefaultLookup(t *testing.T) {
	t.Setenv("VAULTLY_ENV_TEST_TOKEN", "from-env")
	if err := os.Unsetenv("VAULTLY_ENV_TEST_NOPE"); err != nil {
		t.Fatal(err)
	}
	b := mustNew(t, env.WithPrefix("VAULTLY_ENV_TEST"))
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "/token"}); got != "from-env" || err != nil {
		t.Errorf("Get(/token) = %q, %v", got, err)
	}
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "/nope"}); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Get(/nope) = %v, want ErrNotFound", err)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix, want string
	}{
		{"", "env"},
		{"MYAPP", "env(MYAPP)"},
		{"MYAPP_", "env(MYAPP_)"},
	}
	for _, tt := range tests {
		b := mustNew(t, env.WithPrefix(tt.prefix))
		if got := b.Name(); got != tt.want {
			t.Errorf("prefix %q: Name() = %q, want %q", tt.prefix, got, tt.want)
		}
		if got := backendkit.Name(b); got != tt.want {
			t.Errorf("prefix %q: vaultly.BackendName = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func mustNew(t *testing.T, opts ...env.Option) *env.Backend {
	t.Helper()
	b, err := env.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNewInvalid lists every invalid option value: New refuses it with an
// ErrConfig error naming the option.
func TestNewInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []env.Option
		want string // a fragment of the error
	}{
		{"nil lookup", []env.Option{env.WithLookup(nil)}, "WithLookup: nil function"},
		{"nil lookup after a good one", []env.Option{env.WithLookup(os.LookupEnv), env.WithLookup(nil)}, "WithLookup: nil function"},
		{"prefix with =", []env.Option{env.WithPrefix("A=B")}, `WithPrefix("A=B")`},
		{"prefix with NUL", []env.Option{env.WithPrefix("A\x00")}, `WithPrefix("A\x00")`},
		{"every problem at once", []env.Option{env.WithPrefix("="), env.WithLookup(nil)}, `WithPrefix("="): a variable name cannot contain '=' or a NUL byte; WithLookup: nil function`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := env.New(tt.opts...)
			if b != nil || !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, %v; want nil and an ErrConfig containing %q", b, err, tt.want)
			}
		})
	}
}

func TestNilOptionIsIgnored(t *testing.T) {
	t.Parallel()
	b := mustNew(t, nil, env.WithLookup(func(string) (string, bool) { return "v", true }))
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "/a"}); got != "v" || err != nil {
		t.Errorf("Get = %q, %v; want v", got, err)
	}
}

func TestZeroValueDoesNotPanic(t *testing.T) {
	t.Parallel()
	_, err := (&env.Backend{}).Get(context.Background(), vaultly.Ref{Path: "/a"})
	if !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("err = %v, want ErrConfig", err)
	}
}
