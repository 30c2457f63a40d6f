package vaultly_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// anonBackend fails every Get with err and names itself "custom"; its
// BackendErrors leave Backend empty.
type anonBackend struct{ err func(vaultly.Ref) error }

func (a anonBackend) Get(_ context.Context, ref vaultly.Ref) (string, error) { return "", a.err(ref) }
func (anonBackend) Name() string                                             { return "custom" }

// TestErrorsReadOneWay: every fetch failure reads
// "vaultly: FIELD (REF): BACKEND: KIND[: detail]", on one line, naming the
// backend even when the backend's error did not.
func TestErrorsReadOneWay(t *testing.T) {
	t.Parallel()
	type cfg struct {
		Stage    string
		Password string `secret:"/db/<stage>/password"`
	}
	type versioned struct {
		Password string `secret:"/db/prod/password,version=3"`
	}
	ssm := mock.New(nil, mock.WithName("ssm"))
	tests := []struct {
		name        string
		b           vaultly.Backend
		dst         any
		want        string
		wantBackend string // errors.As(err, &be): be.Backend
	}{
		{"batch answer without the Ref", ssm, &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): ssm: secret not found", "ssm"},
		{"one Get", ssm.Plain(), &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): ssm: secret not found", "ssm"},
		{"version", ssm, &versioned{},
			"vaultly: versioned.Password (/db/prod/password@3): ssm: secret not found", "ssm"},
		{"backend left its name empty", anonBackend{func(ref vaultly.Ref) error {
			return &vaultly.BackendError{Kind: vaultly.ErrAuth, Ref: ref, Msg: "policy forbids it"}
		}}, &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): custom: not authorized: policy forbids it", "custom"},
		{"an unclassified error", anonBackend{func(vaultly.Ref) error { return errors.New("boom") }}, &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): custom: boom", ""},
		{"a cause on several lines", anonBackend{func(ref vaultly.Ref) error {
			return &vaultly.BackendError{Backend: "vault", Kind: vaultly.ErrTransient, Ref: ref, Err: errors.New("Code: 503.\nErrors:\n* sealed")}
		}}, &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): vault: transient backend failure: Code: 503. Errors: * sealed", "vault"},
		{"a BackendError for another Ref", anonBackend{func(vaultly.Ref) error {
			return &vaultly.BackendError{Backend: "chain", Kind: vaultly.ErrNotFound, Ref: vaultly.Ref{Path: "/elsewhere"}}
		}}, &cfg{Stage: "prod"},
			"vaultly: cfg.Password (/db/prod/password): chain: /elsewhere: secret not found", "chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := vaultly.Load(tt.dst, tt.b)
			if err == nil {
				t.Fatal("Load: no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Load error (-want +got):\n%s", diff)
			}
			var be *vaultly.BackendError
			if got := ""; errors.As(err, &be) {
				got = be.Backend
				if got != tt.wantBackend {
					t.Errorf("BackendError.Backend = %q, want %q", got, tt.wantBackend)
				}
			} else if tt.wantBackend != "" {
				t.Errorf("no *BackendError in %v", err)
			}
		})
	}
}

// TestSecretGetErrorReadsOneWay: Secret.Get's error has the same form.
func TestSecretGetErrorReadsOneWay(t *testing.T) {
	t.Parallel()
	var cfg struct {
		S vaultly.Secret[string] `secret:"/s"`
	}
	b := mock.New(nil, mock.WithName("ssm"))
	if err := vaultly.Load(&cfg, b, vaultly.WithPrefetch(false)); err != nil {
		t.Fatal(err)
	}
	_, err := cfg.S.Get(context.Background())
	if got, want := err.Error(), "vaultly: struct.S (/s): ssm: secret not found"; got != want {
		t.Errorf("Get error = %q, want %q", got, want)
	}
}

// TestSharedVariableErrorOnce: one bad template variable used by many
// fields is one line that names them all; each field still has its own
// *FieldError for a program that walks them.
func TestSharedVariableErrorOnce(t *testing.T) {
	t.Parallel()
	type db struct {
		User     string `secret:"/db/<stage>/user"`
		Password string `secret:"/db/<stage>/password"`
	}
	type cfg struct {
		Stage  string
		Tenant string
		DB     db
		Flags  string `secret:"/<stage>/flags"`
		Key    string `secret:"/t/<tenant>/<region>/key"`
		Static string `secret:"/static"`
		Bad    string `secret:"/x,ttl=soon"`
	}
	tests := []struct {
		name   string
		dst    *cfg
		opts   []vaultly.Option
		want   string
		fields []string
	}{
		{"empty stage", &cfg{Tenant: "acme"}, []vaultly.Option{vaultly.WithVars(map[string]string{"region": "eu"})},
			`vaultly: cfg.Bad: configuration error: tag "/x,ttl=soon": option ttl: invalid duration "soon"` + "\n" +
				`vaultly: cfg.DB.User, cfg.DB.Password, cfg.Flags: configuration error: bad value "" for <stage> (from field Stage): empty`,
			[]string{"cfg.Bad", "cfg.DB.User", "cfg.DB.Password", "cfg.Flags"}},
		{"no source and a bad WithVars value", &cfg{Stage: "prod", Tenant: "acme"},
			[]vaultly.Option{vaultly.WithVars(map[string]string{"stage": "a/b"})},
			`vaultly: cfg.Bad: configuration error: tag "/x,ttl=soon": option ttl: invalid duration "soon"` + "\n" +
				`vaultly: cfg.DB.User, cfg.DB.Password, cfg.Flags: configuration error: bad value "a/b" for <stage> (from WithVars): contains "/"` + "\n" +
				`vaultly: cfg.Key: configuration error: no value for <region>: no WithVars entry and no root field of that name`,
			[]string{"cfg.Bad", "cfg.DB.User", "cfg.DB.Password", "cfg.Flags", "cfg.Key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := vaultly.Load(tt.dst, mock.New(nil), tt.opts...)
			if err == nil {
				t.Fatal("Load: no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Load error (-want +got):\n%s", diff)
			}
			if !errors.Is(err, vaultly.ErrConfig) {
				t.Errorf("error does not match ErrConfig: %v", err)
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("%T has no Unwrap() []error", err)
			}
			var fields []string
			for _, e := range joined.Unwrap() {
				var fe *vaultly.FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%T is not a *FieldError", e)
				}
				fields = append(fields, fe.Field)
				if strings.Contains(fe.Error(), ", ") {
					t.Errorf("a FieldError names several fields: %v", fe)
				}
			}
			if diff := cmp.Diff(tt.fields, fields); diff != "" {
				t.Errorf("FieldErrors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTemplateErrorPosition: a template syntax error says where, in bytes.
func TestTemplateErrorPosition(t *testing.T) {
	t.Parallel()
	var dst struct {
		A string `secret:"/db/prod/<a.b>/x"`
	}
	err := vaultly.Load(&dst, mock.New(nil))
	want := `vaultly: struct.A: configuration error: tag "/db/prod/<a.b>/x": template "/db/prod/<a.b>/x": at byte 9: invalid variable name "a.b"`
	if err == nil || err.Error() != want {
		t.Errorf("Load error =\n%v\nwant\n%s", err, want)
	}
}
