package secretsmanager_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// plainConfig is a struct type of n string fields, F000 to F(n-1), read
// from bench/f000 and so on.
func plainConfig(n int) reflect.Value {
	fields := make([]reflect.StructField, n)
	for i := range fields {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%03d", i),
			Type: reflect.TypeFor[string](),
			Tag:  reflect.StructTag(fmt.Sprintf(`secret:"bench/f%03d"`, i)),
		}
	}
	return reflect.New(reflect.StructOf(fields))
}

func seedPlain(srv *smtest.Server, n int) {
	for i := range n {
		srv.Put(fmt.Sprintf("bench/f%03d", i), fmt.Sprintf("value-%03d", i))
	}
}

func counts(srv *smtest.Server) map[string]int {
	return map[string]int{
		smtest.OpGetSecretValue:      srv.Requests(smtest.OpGetSecretValue),
		smtest.OpBatchGetSecretValue: srv.Requests(smtest.OpBatchGetSecretValue),
	}
}

// The counts docs/secretsmanager.md states: a Load of n distinct secrets
// makes ceil(n/20) BatchGetSecretValue requests, all in flight together
// up to 10 (WithBatchConcurrency), and no GetSecretValue.
func TestLoadRequestCounts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ names, requests int }{
		{1, 1}, {20, 1}, {21, 2}, {100, 5}, {250, 13},
	} {
		t.Run(fmt.Sprint(tt.names), func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			seedPlain(srv, tt.names)
			cfg := plainConfig(tt.names)
			if err := vaultly.LoadContext(t.Context(), cfg.Interface(), b); err != nil {
				t.Fatal(err)
			}
			for i := range tt.names {
				if got, want := cfg.Elem().Field(i).String(), fmt.Sprintf("value-%03d", i); got != want {
					t.Fatalf("F%03d = %q, want %q", i, got, want)
				}
			}
			if diff := cmp.Diff(map[string]int{smtest.OpBatchGetSecretValue: tt.requests, smtest.OpGetSecretValue: 0}, counts(srv)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if n := srv.MaxInFlight(); n > 10 {
				t.Errorf("%d requests in flight at once, want at most 10", n)
			}
		})
	}
}

type dbCreds struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// A config that uses what Secrets Manager adds: JSON secrets read whole
// or by key=, a pinned staging label, a binary secret, and a prefix.
type smConfig struct {
	Stage string
	DB    struct {
		User     string                  `secret:"<stage>/db,key=username"`
		Password vaultly.Secret[string]  `secret:"<stage>/db,key=password,ttl=5m"`
		Creds    vaultly.Secret[dbCreds] `secret:"<stage>/db,ttl=5m"`
	}
	APIKey    string            `secret:"<stage>/api-key"`
	OldAPIKey string            `secret:"<stage>/api-key,version=AWSPREVIOUS"`
	Cert      []byte            `secret:"<stage>/tls/cert"`
	Flags     map[string]string `secret:"<stage>/flags/,prefix"`
	Missing   string            `secret:"<stage>/missing,optional"`
}

func TestLoad(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("prod/db", `{"username":"app","password":"pw-1"}`)
	srv.Put("prod/api-key", "key-1")
	srv.Put("prod/api-key", "key-2")
	srv.PutBinary("prod/tls/cert", []byte{0x30, 0x82, 0x00, 0xff})
	srv.Put("prod/flags/beta", "on")
	srv.Put("prod/flags/eu/dark-mode", "off")

	cfg := smConfig{Stage: "prod"}
	if err := vaultly.LoadContext(t.Context(), &cfg, b); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"user": cfg.DB.User, "api": cfg.APIKey, "old": cfg.OldAPIKey, "cert": cfg.Cert, "flags": cfg.Flags, "missing": cfg.Missing}
	want := map[string]any{"user": "app", "api": "key-2", "old": "key-1", "cert": []byte{0x30, 0x82, 0x00, 0xff},
		"flags": map[string]string{"beta": "on", "eu/dark-mode": "off"}, "missing": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if pw, err := cfg.DB.Password.Get(t.Context()); err != nil || pw != "pw-1" {
		t.Errorf("password: %v", err)
	}
	if c, err := cfg.DB.Creds.Get(t.Context()); err != nil || c != (dbCreds{"app", "pw-1"}) {
		t.Errorf("creds: %v", err)
	}
	// One batch for prod/db (once for its three fields), prod/api-key,
	// prod/tls/cert and prod/missing; one GetSecretValue for AWSPREVIOUS;
	// one listing for the prefix.
	if diff := cmp.Diff(map[string]int{smtest.OpBatchGetSecretValue: 2, smtest.OpGetSecretValue: 1}, counts(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestLoadErrorsNameFields(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("prod/db", `{"username":"app"}`)
	srv.Put("prod/api-key", "key-1") // no AWSPREVIOUS
	srv.Put("prod/tls/cert", "c")
	srv.FailSecret("prod/tls/cert", "DecryptionFailure")
	cfg := smConfig{Stage: "prod"}
	err := vaultly.LoadContext(t.Context(), &cfg, b)
	var fes []*vaultly.FieldError
	for _, e := range unwrapAll(err) {
		var fe *vaultly.FieldError
		if errors.As(e, &fe) {
			fes = append(fes, fe)
		}
	}
	got := map[string]string{}
	for _, fe := range fes {
		got[fe.Field] = vaultly.KindOf(fe)
	}
	want := map[string]string{
		"smConfig.DB.Password": "not_found", // no member password
		"smConfig.OldAPIKey":   "not_found",
		"smConfig.Cert":        "auth",
		"smConfig.Flags":       "not_found", // nothing under the prefix
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failing fields (-want +got):\n%s\n%v", diff, err)
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
