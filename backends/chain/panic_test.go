package chain

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

// panicker panics in Get with a value that looks like a secret.
type panicker struct{}

func (panicker) Get(context.Context, vaultly.Ref) (string, error) { panic("hunter2") }

// batchPanicker also panics in GetBatch.
type batchPanicker struct{ panicker }

func (batchPanicker) GetBatch(context.Context, []vaultly.Ref) (map[vaultly.Ref]string, error) {
	panic("hunter2")
}

// A member that panics, on the caller's goroutine (Get, a member's
// GetBatch, a plain member asked for one Ref) or on a fan-out goroutine (a
// plain member asked for several Refs), fails the Refs it was asked for
// with an ErrTransient error naming it, never the panic value; with
// FallThroughOnTransient the next member answers.
func TestMemberPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		member vaultly.Backend
		batch  bool // call GetBatch, not Get
		ask    []string
	}{
		{"Get of a plain member", panicker{}, false, []string{"/x"}},
		{"Get of a batch member", batchPanicker{}, false, []string{"/x"}},
		{"GetBatch of a batch member", batchPanicker{}, true, []string{"/x", "/y"}},
		{"GetBatch of a plain member, one Ref", panicker{}, true, []string{"/x"}},
		{"GetBatch of a plain member, fanned out", panicker{}, true, []string{"/x", "/y", "/z"}},
	}
	for _, tt := range tests {
		for _, fall := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "", true: ", falling through"}[fall], func(t *testing.T) {
				t.Parallel()
				b := mock.New(map[string]string{"/x": "b-x", "/y": "b-y", "/z": "b-z"})
				c, err := New([]vaultly.Backend{tt.member, b}, WithNames("a", "b"), FallThroughOnTransient(fall))
				if err != nil {
					t.Fatal(err)
				}
				errs := map[string]error{}
				vals := map[string]string{}
				ctx := context.Background()
				if tt.batch {
					refs := make([]vaultly.Ref, len(tt.ask))
					for i, p := range tt.ask {
						refs[i] = ref(p)
					}
					got, err := c.GetBatch(ctx, refs)
					for r, v := range got {
						vals[r.Path] = v
					}
					var be *vaultly.BatchError
					if err != nil && !errors.As(err, &be) {
						t.Fatalf("GetBatch error %v is not a *vaultly.BatchError", err)
					}
					if be != nil {
						for r, e := range be.Errs {
							errs[r.Path] = e
						}
					}
				} else {
					v, err := c.Get(ctx, ref(tt.ask[0]))
					if err != nil {
						errs[tt.ask[0]] = err
					} else {
						vals[tt.ask[0]] = v
					}
				}
				if fall {
					want := map[string]string{}
					for _, p := range tt.ask {
						want[p] = "b" + strings.ReplaceAll(p, "/", "-")
					}
					if diff := cmp.Diff(want, vals); diff != "" || len(errs) != 0 {
						t.Errorf("values (-want +got):\n%s\nerrors: %v", diff, errs)
					}
					return
				}
				if len(vals) != 0 || len(errs) != len(tt.ask) {
					t.Fatalf("values %v, errors %v; want an error for each of %v", vals, errs, tt.ask)
				}
				for p, err := range errs {
					var be *vaultly.BackendError
					if !errors.As(err, &be) {
						t.Fatalf("%s: error %v holds no *vaultly.BackendError", p, err)
					}
					got := []string{vaultly.KindOf(err), be.Backend, be.Ref.Path, err.Error()}
					want := []string{"transient", "a", p, "chain: a failed (asked a): a: " + p + ": transient backend failure: backend panicked"}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s: kind, backend, ref, message (-want +got):\n%s", p, diff)
					}
				}
				if n := b.Requests(); n != 0 {
					t.Errorf("b asked %d times after a panicked, want 0 (transient stops the chain)", n)
				}
			})
		}
	}
}

// A canceled call is reported with backendkit.NewCanceledError: it names
// the chain, matches ctx.Err() and no error kind, and its cause says which
// members were asked.
func TestCanceledSaysWhatWasAsked(t *testing.T) {
	t.Parallel()
	memberCanceled := errors.New("member saw the cancel")
	tests := []struct {
		name      string
		early     bool  // cancel before the call
		aAnswer   error // what a answers after canceling (when not early)
		batch     bool
		wantMsg   string
		wantCause error // reachable with errors.Is, or nil
	}{
		{name: "Get, canceled before", early: true,
			wantMsg: "chain: /x: context canceled: before asking any backend"},
		{name: "GetBatch, canceled before", early: true, batch: true,
			wantMsg: "chain: context canceled: before asking any backend"},
		{name: "Get, a answers not found to a dying context", aAnswer: backendkit.NewError("a", vaultly.ErrNotFound, ref("/x"), nil),
			wantMsg: "chain: /x: context canceled: after asking a"},
		{name: "Get, a answers transient to a dying context", aAnswer: backendkit.NewError("a", vaultly.ErrTransient, ref("/x"), nil),
			wantMsg: "chain: /x: context canceled: after asking a"},
		{name: "Get, a reports the cancel itself", aAnswer: backendkit.NewCanceledError("a", ref("/x"), context.Canceled, memberCanceled),
			wantMsg:   "chain: /x: context canceled: after asking a: a: /x: context canceled: member saw the cancel",
			wantCause: memberCanceled},
		{name: "GetBatch, a answers not found to a dying context", batch: true, aAnswer: backendkit.NewError("a", vaultly.ErrNotFound, ref("/x"), nil),
			wantMsg: "chain: context canceled: after asking a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.early {
				cancel()
			}
			a := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) {
				cancel()
				return "", tt.aAnswer
			})
			b := mock.New(map[string]string{"/x": "v"})
			c, err := New([]vaultly.Backend{a, b}, WithNames("a", "b"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.batch {
				var vals map[vaultly.Ref]string
				vals, err = c.GetBatch(ctx, []vaultly.Ref{ref("/x")})
				if vals != nil {
					t.Errorf("values %v after cancel, want none", vals)
				}
			} else {
				_, err = c.Get(ctx, ref("/x"))
			}
			var be *vaultly.BackendError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a *vaultly.BackendError", err)
			}
			got := []any{be.Backend, vaultly.KindOf(err), errors.Is(err, context.Canceled), err.Error(), b.Requests()}
			want := []any{"chain", "canceled", true, tt.wantMsg, 0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("backend, kind, canceled, message, requests to b (-want +got):\n%s", diff)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Errorf("err = %v, want the member's cause reachable", err)
			}
		})
	}
}
