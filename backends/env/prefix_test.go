package env_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/env"
)

// fakeEnv is a variable source for GetPrefix: WithLookup and WithEnviron
// over one map, and environ may list names the map does not hold.
func fakeEnv(vars map[string]string, extra ...string) []env.Option {
	return []env.Option{
		env.WithLookup(func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		}),
		env.WithEnviron(func() []string {
			out := append([]string(nil), extra...)
			for k, v := range vars {
				out = append(out, k+"="+v)
			}
			return out
		}),
	}
}

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"MYAPP_APP_FLAGS_BETA":         "true",
		"MYAPP_APP_FLAGS_NEW_CHECKOUT": "false",
		"MYAPP_APP_FLAGS_DB_2":         "x=y", // an '=' in the value
		"MYAPP_APP_FLAGS_":             "nothing after the prefix",
		"MYAPP_APP_FLAGS_lower":        "not a name Key makes",
		"MYAPP_APP_FLAGSX":             "a name that extends the prefix",
		"MYAPP_APP_FLAGS":              "the prefix itself",
		"MYAPP_OTHER":                  "elsewhere",
		"OTHER_APP_FLAGS_BETA":         "another prefix",
	}
	tests := []struct {
		name   string
		prefix string // env.WithPrefix
		path   string
		want   map[string]string
		err    string
	}{
		{name: "keys in lower case, '_' kept", prefix: "MYAPP", path: "/app/flags/",
			want: map[string]string{"beta": "true", "new_checkout": "false", "db_2": "x=y"}},
		{name: "prefix ending in _", prefix: "MYAPP_", path: "/app/flags/",
			want: map[string]string{"beta": "true", "new_checkout": "false", "db_2": "x=y"}},
		{name: "a path mapping to the same variables", prefix: "MYAPP", path: "app-flags/",
			want: map[string]string{"beta": "true", "new_checkout": "false", "db_2": "x=y"}},
		{name: "nested folders flatten", prefix: "MYAPP", path: "/app/",
			want: map[string]string{"flags_beta": "true", "flags_new_checkout": "false", "flags_db_2": "x=y", "flags_": "nothing after the prefix", "flagsx": "a name that extends the prefix", "flags": "the prefix itself"}},
		{name: "the root", prefix: "OTHER", path: "/", want: map[string]string{"app_flags_beta": "another prefix"}},
		{name: "nothing under it", prefix: "MYAPP", path: "/app/none/", want: map[string]string{}},
		{name: "no slash", prefix: "MYAPP", path: "/app/flags",
			err: `env: /app/flags: configuration error: prefix does not end in "/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mustNew(t, append(fakeEnv(vars, "UNSET_IN_LOOKUP=1", "=C:=C:\\", "NOEQUALS"), env.WithPrefix(tt.prefix))...)
			got, err := b.GetPrefix(context.Background(), tt.path, 100)
			errText := ""
			if err != nil {
				errText = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || errText != tt.err {
				t.Errorf("GetPrefix(%q) error %q, want %q; (-want +got):\n%s", tt.path, errText, tt.err, diff)
			}
			for k, v := range got { // every key reads back with Get
				if gv, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path + k}); gv != v || err != nil {
					t.Errorf("Get(%q) = %q, %v; want %q", tt.path+k, gv, err, v)
				}
			}
		})
	}
}

func TestGetPrefixMax(t *testing.T) {
	t.Parallel()
	vars := map[string]string{}
	for _, k := range []string{"A", "B", "C", "D", "E"} {
		vars["P_"+k] = k
	}
	b := mustNew(t, fakeEnv(vars)...)
	for max := range 6 {
		got, err := b.GetPrefix(context.Background(), "/p/", max)
		if want := min(max+1, 5); err != nil || len(got) != want {
			t.Errorf("GetPrefix(max %d) = %v, %v; want %d entries", max, got, err, want)
		}
	}
}

func TestGetPrefixErrors(t *testing.T) {
	t.Parallel()
	lookupOnly := mustNew(t, env.WithLookup(func(string) (string, bool) { return "v", true }))
	_, err := lookupOnly.GetPrefix(context.Background(), "/a/", 10)
	const want = "env: /a/: configuration error: cannot list variables: WithLookup was given without WithEnviron"
	if !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
		t.Errorf("WithLookup alone: GetPrefix = %v; want %q", err, want)
	}
	if _, err := (&env.Backend{}).GetPrefix(context.Background(), "/a/", 10); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("zero Backend: GetPrefix = %v; want ErrConfig", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lookupOnly.GetPrefix(ctx, "/a/", 10); !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled: GetPrefix = %v; want a cancellation", err)
	}
	if b, err := env.New(env.WithEnviron(nil)); b != nil || !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "WithEnviron: nil function") {
		t.Errorf("New(WithEnviron(nil)) = %v, %v; want an ErrConfig naming WithEnviron", b, err)
	}
}

// By default GetPrefix lists the process environment.
func TestGetPrefixProcessEnvironment(t *testing.T) {
	t.Setenv("VAULTLY_ENVTEST_PREFIX_ONE", "1")
	t.Setenv("VAULTLY_ENVTEST_PREFIX_TWO", "2")
	b := mustNew(t, env.WithPrefix("VAULTLY_ENVTEST"))
	got, err := b.GetPrefix(context.Background(), "/prefix/", 10)
	if diff := cmp.Diff(map[string]string{"one": "1", "two": "2"}, got); diff != "" || err != nil {
		t.Errorf("GetPrefix = %v; (-want +got):\n%s", err, diff)
	}
}
