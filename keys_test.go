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

// leak is in every secret value of these tests; no error may contain it.
const leak = "hunter2"

// dbDoc is one JSON document with six members of different kinds.
const dbDoc = `{"user":"app","password":"` + leak + `","port":5432,"tls":true,"hosts":["a","b"],"opts":{"pool":10}}`

type dbOpts struct {
	Pool int `json:"pool"`
}

type sixKeys struct {
	Stage    string
	User     string                 `secret:"/db/<stage>,key=user"`
	Password vaultly.Secret[string] `secret:"/db/<stage>,key=password,ttl=1m"`
	Port     int                    `secret:"/db/<stage>,key=port"`
	TLS      bool                   `secret:"/db/<stage>,key=tls"`
	Hosts    []string               `secret:"/db/<stage>,key=hosts"`
	Opts     dbOpts                 `secret:"/db/<stage>,key=opts"`
}

type sixValues struct {
	User, Password string
	Port           int
	TLS            bool
	Hosts          []string
	Opts           dbOpts
}

func valuesOf(t *testing.T, cfg *sixKeys) sixValues {
	t.Helper()
	pw, err := cfg.Password.Get(context.Background())
	if err != nil {
		t.Fatalf("Password.Get: %v", err)
	}
	return sixValues{cfg.User, pw, cfg.Port, cfg.TLS, cfg.Hosts, cfg.Opts}
}

// TestKeysOneFetchPerDocument: six keys of one document cost one backend
// call at Load, on every kind of backend: one GetBatch (or Get) of the
// document for a backend that does not read keys, one GetBatch of six
// keyed Refs for one that does.
func TestKeysOneFetchPerDocument(t *testing.T) {
	t.Parallel()
	doc := vaultly.Ref{Path: "/db/prod"}
	keyed := func(k string) vaultly.Ref { return vaultly.Ref{Path: "/db/prod", Key: k} }
	want := sixValues{"app", leak, 5432, true, []string{"a", "b"}, dbOpts{Pool: 10}}
	tests := []struct {
		name        string
		backend     func(*store) vaultly.Backend
		keys        bool
		wantGets    []vaultly.Ref
		wantBatches [][]vaultly.Ref
	}{
		{"batch backend", func(s *store) vaultly.Backend { return batchStore{s} }, false, nil, [][]vaultly.Ref{{doc}}},
		{"plain backend", func(s *store) vaultly.Backend { return plainStore{s} }, false, []vaultly.Ref{doc}, nil},
		{"ReadsKeys false", func(s *store) vaultly.Backend { return keyStore{s} }, false, nil, [][]vaultly.Ref{{doc}}},
		{"ReadsKeys true", func(s *store) vaultly.Backend { return keyStore{s} }, true, nil, [][]vaultly.Ref{{
			keyed("user"), keyed("password"), keyed("port"), keyed("tls"), keyed("hosts"), keyed("opts"),
		}}},
		{"ReadsKeys true, no batch", func(s *store) vaultly.Backend { return keyGetStore{s} }, true, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(map[string]string{"/db/prod": dbDoc})
			s.keys = tt.keys
			cfg := sixKeys{Stage: "prod"}
			if err := vaultly.Load(&cfg, tt.backend(s)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, valuesOf(t, &cfg)); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			gets, batches, _, _ := s.calls()
			if tt.name == "ReadsKeys true, no batch" {
				// One Get per key, each with its key: the backend reads members.
				if len(gets) != 6 || len(batches) != 0 {
					t.Fatalf("gets %v, batches %v: want six keyed Gets", gets, batches)
				}
				for _, g := range gets {
					if g.Key == "" {
						t.Errorf("Get(%v): a backend that reads keys was asked for the document", g)
					}
				}
				return
			}
			if diff := cmp.Diff(tt.wantGets, gets); diff != "" {
				t.Errorf("Gets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantBatches, batches); diff != "" {
				t.Errorf("GetBatches (-want +got):\n%s", diff)
			}
			if got, want := cfg.Password.Ref(), keyed("password"); got != want {
				t.Errorf("Password.Ref() = %v, want %v", got, want)
			}
		})
	}
}

// TestKeysWithTheWholeDocument: a field without a key beside keyed fields
// of the same path shares the one fetch, and gets the document whole.
func TestKeysWithTheWholeDocument(t *testing.T) {
	t.Parallel()
	var cfg struct {
		All  map[string]any         `secret:"/db,public"`
		User vaultly.Secret[string] `secret:"/db,key=user"`
		Port int                    `secret:"/db,key=port"`
	}
	s := newStore(map[string]string{"/db": `{"user":"app","port":5432}`})
	if err := vaultly.Load(&cfg, plainStore{s}); err != nil {
		t.Fatal(err)
	}
	user, err := cfg.User.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.All, user, cfg.Port}
	want := []any{map[string]any{"user": "app", "port": 5432.0}, "app", 5432}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	gets, _, _, _ := s.calls()
	if diff := cmp.Diff([]vaultly.Ref{{Path: "/db"}}, gets); diff != "" {
		t.Errorf("Gets (-want +got):\n%s", diff)
	}
}

// TestKeyErrors: a missing member is ErrNotFound naming the field, the key
// and the path (so optional and default= apply); a document that is not a
// JSON object is a decode error (ErrConfig) naming the field. No error
// quotes the document.
func TestKeyErrors(t *testing.T) {
	t.Parallel()
	type missing struct {
		Password string `secret:"/db,key=pasword"`
	}
	type optional struct {
		Password string `secret:"/db,key=pasword,optional"`
	}
	type withDefault struct {
		Port int `secret:"/db,key=port,default=5432"`
	}
	type notObject struct {
		Password string `secret:"/plain,key=password"`
	}
	type secretMissing struct {
		Password vaultly.Secret[string] `secret:"/db,key=pasword"`
	}
	type secretOptional struct {
		Password vaultly.Secret[string] `secret:"/db,key=pasword,optional"`
	}
	values := map[string]string{"/db": `{"password":"` + leak + `"}`, "/plain": leak}
	tests := []struct {
		name     string
		dst      any
		keys     bool
		kind     error    // nil: Load succeeds
		inErr    []string // text the error contains
		want     any      // dst after a Load that succeeds
		isDecode bool
	}{
		{"missing member", &missing{}, false, vaultly.ErrNotFound,
			[]string{"missing.Password", "/db#pasword", `no key "pasword"`, "fake:"}, nil, false},
		{"missing member, key backend", &missing{}, true, vaultly.ErrNotFound,
			[]string{"missing.Password", "/db#pasword"}, nil, false},
		{"missing member, optional", &optional{Password: "kept"}, false, nil, nil, &optional{Password: "kept"}, false},
		{"missing member, default", &withDefault{}, false, nil, nil, &withDefault{Port: 5432}, false},
		{"not a JSON object", &notObject{}, false, vaultly.ErrConfig,
			[]string{"notObject.Password", "/plain#password", "not a JSON object"}, nil, true},
		{"Secret, missing member", &secretMissing{}, false, vaultly.ErrNotFound,
			[]string{"secretMissing.Password", "/db#pasword"}, nil, false},
		{"Secret, optional", &secretOptional{}, false, nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(values)
			s.keys = tt.keys
			var b vaultly.Backend = batchStore{s}
			if tt.keys {
				b = keyStore{s}
			}
			err := vaultly.Load(tt.dst, b)
			if tt.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tt.want != nil {
					if diff := cmp.Diff(tt.want, tt.dst); diff != "" {
						t.Errorf("dst (-want +got):\n%s", diff)
					}
				}
				return
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Load = %v, want %v", err, tt.kind)
			}
			if got := vaultly.IsConversionError(err); got != tt.isDecode {
				t.Errorf("IsConversionError = %v, want %v (%v)", got, tt.isDecode, err)
			}
			msg := err.Error()
			for _, w := range tt.inErr {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, leak) || strings.Contains(msg, "\n") {
				t.Errorf("error %q quotes the value or is not one line", msg)
			}
		})
	}
}

// TestKeyedSecretsRefreshApart: each keyed Secret has its own cache entry:
// its refresh asks for the document (a backend that does not read keys)
// or its own keyed Ref (one that does), once, and the other key keeps the
// value it had. Invalidate takes the keyed Ref.
func TestKeyedSecretsRefreshApart(t *testing.T) {
	t.Parallel()
	for _, keys := range []bool{false, true} {
		t.Run(map[bool]string{false: "core takes the member", true: "backend reads keys"}[keys], func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := newClock()
			s := newStore(map[string]string{"/db": `{"user":"u1","password":"p1"}`})
			s.keys = keys
			var cfg struct {
				User     vaultly.Secret[string] `secret:"/db,key=user,ttl=1h"`
				Password vaultly.Secret[string] `secret:"/db,key=password,ttl=1m"`
			}
			l := mustLoader(t, keyGetStore{s}, vaultly.WithClock(clock.Now))
			if err := l.Load(ctx, &cfg); err != nil {
				t.Fatal(err)
			}
			s.set("/db", `{"user":"u2","password":"p2"}`) // a rotation
			s.reset()
			clock.Advance(2 * time.Minute) // Password expires, User does not
			get := func() []string {
				u, err1 := cfg.User.Get(ctx)
				p, err2 := cfg.Password.Get(ctx)
				if err := errors.Join(err1, err2); err != nil {
					t.Fatal(err)
				}
				return []string{u, p}
			}
			if diff := cmp.Diff([]string{"u1", "p2"}, get()); diff != "" {
				t.Errorf("after the password's TTL (-want +got):\n%s", diff)
			}
			want := vaultly.Ref{Path: "/db"}
			if keys {
				want.Key = "password"
			}
			gets, _, _, _ := s.calls()
			if diff := cmp.Diff([]vaultly.Ref{want}, gets); diff != "" {
				t.Errorf("backend calls (-want +got):\n%s", diff)
			}
			l.Invalidate(cfg.User.Ref())
			if diff := cmp.Diff([]string{"u2", "p2"}, get()); diff != "" {
				t.Errorf("after Invalidate(User.Ref()) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeyedSecretRefreshDropsAMissingMember: a refresh that finds the
// member gone is not found, which drops the value even for a field that
// serves stale values; an outage keeps it.
func TestKeyedSecretRefreshDropsAMissingMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(map[string]string{"/db": `{"password":"p1"}`})
	var cfg struct {
		Password vaultly.Secret[string] `secret:"/db,key=password,ttl=0,stale_on_error"`
	}
	if err := vaultly.Load(&cfg, plainStore{s}); err != nil {
		t.Fatal(err)
	}
	s.failWith(errors.New("connection refused"))
	if v, err := cfg.Password.Get(ctx); err != nil || v != "p1" {
		t.Fatalf("during an outage: %q, %v; want the stale p1", v, err)
	}
	s.failWith(nil)
	s.set("/db", `{"user":"u"}`)
	if _, err := cfg.Password.Refresh(ctx); !errors.Is(err, vaultly.ErrNotFound) || !strings.Contains(err.Error(), "/db#password") {
		t.Fatalf("Refresh = %v, want ErrNotFound naming /db#password", err)
	}
	s.failWith(errors.New("connection refused"))
	if v, err := cfg.Password.Get(ctx); !errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("after the member was dropped: %q, %v; want no stale value", v, err)
	}
}

// cancelingStore cancels the caller's context while it answers, as a
// caller that gives up just as the answer arrives.
type cancelingStore struct {
	s      *store
	cancel context.CancelFunc
}

func (c cancelingStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	c.cancel()
	return c.s.Get(ctx, ref)
}

// TestKeysLoadShapes: the ways fields share one document at Load, on a
// backend that neither batches nor reads keys: a Secret of the whole
// document beside keyed fields, and an answer that arrives as the
// caller's context ends (it is kept: a value is never the caller's
// failure).
func TestKeysLoadShapes(t *testing.T) {
	t.Parallel()
	type shared struct {
		All  vaultly.Secret[map[string]string] `secret:"/db"`
		User string                            `secret:"/db,key=user"`
		Pass vaultly.Secret[string]            `secret:"/db,key=password"`
	}
	for _, canceled := range []bool{false, true} {
		t.Run(map[bool]string{false: "live context", true: "context ends during the call"}[canceled], func(t *testing.T) {
			t.Parallel()
			s := newStore(map[string]string{"/db": `{"user":"app","password":"pw"}`})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var b vaultly.Backend = plainStore{s}
			if canceled {
				b = cancelingStore{s, cancel}
			}
			var cfg shared
			if err := vaultly.LoadContext(ctx, &cfg, b); err != nil {
				t.Fatal(err)
			}
			all, err1 := cfg.All.Get(context.Background())
			pass, err2 := cfg.Pass.Get(context.Background())
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			want := []any{map[string]string{"user": "app", "password": "pw"}, "app", "pw"}
			if diff := cmp.Diff(want, []any{all, cfg.User, pass}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if gets, _, _, _ := s.calls(); len(gets) != 1 {
				t.Errorf("Gets = %v, want one of the document", gets)
			}
		})
	}
}

// TestKeysReloadDropsAGoneMember: a second Load through one Loader that
// finds a member gone fails, and drops the cached member for the Secrets
// an earlier Load bound: they never serve it again.
func TestKeysReloadDropsAGoneMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(map[string]string{"/db": `{"user":"app","password":"pw"}`})
	type creds struct {
		User vaultly.Secret[string] `secret:"/db,key=user"`
		Pass vaultly.Secret[string] `secret:"/db,key=password"`
	}
	l := mustLoader(t, plainStore{s})
	var first creds
	if err := l.Load(ctx, &first); err != nil {
		t.Fatal(err)
	}
	s.set("/db", `{"user":"app2"}`)
	var second creds
	if err := l.Load(ctx, &second); !errors.Is(err, vaultly.ErrNotFound) || !strings.Contains(err.Error(), "creds.Pass (/db#password)") {
		t.Fatalf("reload = %v, want ErrNotFound for creds.Pass", err)
	}
	user, err := first.User.Get(ctx)
	if err != nil || user != "app2" {
		t.Errorf("User.Get = %q, %v; want the reload's app2", user, err)
	}
	if pass, err := first.Pass.Get(ctx); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Pass.Get = %q, %v; want ErrNotFound (the member is gone)", pass, err)
	}
}
