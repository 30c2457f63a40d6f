package chain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	type members struct{ a, b, c *mock.Backend }
	build := func() members {
		return members{
			a: mock.New(map[string]string{"/p/x": "a-x", "/p/y/z": "a-y-z"}, mock.WithName("a")),
			b: mock.New(map[string]string{"/p/x": "b-x", "/p/w": "b-w"}, mock.WithName("b")),
			c: mock.New(map[string]string{"/p/v": "c-v"}, mock.WithName("c")),
		}
	}
	tests := []struct {
		name   string
		setup  func(members)
		opts   []Option
		plainB bool // b is asked through Plain(): it cannot list
		max    int
		want   map[string]string
		err    string // the error, when one is wanted
		kind   string
		asked  []int // how many calls a, b and c saw
	}{
		{name: "merged, the first member wins", max: 100,
			want:  map[string]string{"x": "a-x", "y/z": "a-y-z", "w": "b-w", "v": "c-v"},
			asked: []int{1, 1, 1}},
		{name: "a member that cannot list is skipped", plainB: true, max: 100,
			want:  map[string]string{"x": "a-x", "y/z": "a-y-z", "v": "c-v"},
			asked: []int{1, 0, 1}},
		{name: "not found in a member is an empty listing", max: 100,
			setup: func(m members) { m.a.Fail("/p/", vaultly.ErrNotFound) },
			want:  map[string]string{"x": "b-x", "w": "b-w", "v": "c-v"}, asked: []int{1, 1, 1}},
		{name: "a failure stops the chain", max: 100,
			setup: func(m members) { m.b.Fail("/p/", vaultly.ErrAuth) },
			kind:  "auth", err: "chain: b failed (asked a, b): not authorized", asked: []int{1, 1, 0}},
		{name: "a member that cannot list is not named as asked", plainB: true, max: 100,
			setup: func(m members) { m.c.Fail("/p/", vaultly.ErrAuth) },
			kind:  "auth", err: "chain: c failed (asked a, c): not authorized", asked: []int{1, 0, 1}},
		{name: "a transient failure stops the chain by default", max: 100,
			setup: func(m members) { m.b.Fail("/p/", vaultly.ErrTransient) },
			kind:  "transient", asked: []int{1, 1, 0}},
		{name: "a transient failure falls through when asked to", max: 100, opts: []Option{FallThroughOnTransient(true)},
			setup: func(m members) { m.a.Fail("/p/", vaultly.ErrTransient) },
			want:  map[string]string{"x": "b-x", "w": "b-w", "v": "c-v"}, asked: []int{1, 1, 1}},
		{name: "every member failed", max: 100, opts: []Option{FallThroughOnTransient(true)},
			setup: func(m members) {
				m.a.FailAll(vaultly.ErrTransient)
				m.b.FailAll(vaultly.ErrTransient)
				m.c.FailAll(vaultly.ErrTransient)
			},
			kind: "transient", err: "chain: /p/: every member that can list failed, first a: ", asked: []int{1, 1, 1}},
		{name: "a failure that fell through beside not found answers is an empty listing", max: 100,
			opts: []Option{FallThroughOnTransient(true)},
			setup: func(m members) {
				m.a.Fail("/p/", vaultly.ErrTransient)
				m.b.Fail("/p/", vaultly.ErrNotFound)
				m.c.Fail("/p/", vaultly.ErrNotFound)
			},
			want: map[string]string{}, asked: []int{1, 1, 1}},
		{name: "an unclassified failure is transient", max: 100,
			setup: func(m members) { m.a.Fail("/p/", errors.New("boom")) },
			kind:  "transient", asked: []int{1, 0, 0}},
		{name: "stops past max", max: 1,
			want: map[string]string{"x": "a-x", "y/z": "a-y-z"}, asked: []int{1, 0, 0}},
		{name: "max not passed", max: 3,
			want: map[string]string{"x": "a-x", "y/z": "a-y-z", "w": "b-w", "v": "c-v"}, asked: []int{1, 1, 1}},
		{name: "max counts the merged keys", max: 2,
			want: map[string]string{"x": "a-x", "y/z": "a-y-z", "w": "b-w"}, asked: []int{1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := build()
			if tt.setup != nil {
				tt.setup(m)
			}
			var b vaultly.Backend = m.b
			if tt.plainB {
				b = m.b.Plain()
			}
			c, err := New([]vaultly.Backend{m.a, b, m.c}, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.GetPrefix(context.Background(), "/p/", tt.max)
			if tt.kind != "" {
				if vaultly.KindOf(err) != tt.kind || got != nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Errorf("GetPrefix = %v, %v; want a %s error starting %q", got, err, tt.kind, tt.err)
				}
			} else if diff := cmp.Diff(tt.want, got); diff != "" || err != nil {
				t.Errorf("GetPrefix = %v; (-want +got):\n%s", err, diff)
			}
			if diff := cmp.Diff(tt.asked, []int{m.a.Requests(), m.b.Requests(), m.c.Requests()}); diff != "" {
				t.Errorf("calls to a, b, c (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetPrefixMax(t *testing.T) {
	t.Parallel()
	// Each member is asked with max; the chain stops asking once the
	// merged answer holds more than max.
	a := mock.New(map[string]string{"/p/1": "1", "/p/2": "2"}, mock.WithName("a"))
	b := mock.New(map[string]string{"/p/3": "3"}, mock.WithName("b"))
	c, err := New([]vaultly.Backend{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var lens, bCalls []int
	for max := range 4 {
		b.ResetCalls()
		got, err := c.GetPrefix(context.Background(), "/p/", max)
		if err != nil {
			t.Fatalf("max %d: %v", max, err)
		}
		lens, bCalls = append(lens, len(got)), append(bCalls, b.Requests())
	}
	if diff := cmp.Diff([][]int{{1, 2, 3, 3}, {0, 0, 1, 1}}, [][]int{lens, bCalls}); diff != "" {
		t.Errorf("entries and calls to b for max 0..3 (-want +got):\n%s", diff)
	}
}

func TestGetPrefixNoMemberCanList(t *testing.T) {
	t.Parallel()
	c, err := New([]vaultly.Backend{mock.New(nil).Plain(), mock.New(nil, mock.WithName("b")).Plain()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPrefix(context.Background(), "/p/", 10)
	const want = "chain: /p/: configuration error: no member of chain(mock, b) can list a prefix"
	if !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
		t.Errorf("GetPrefix = %v; want %q", err, want)
	}
}

func TestGetPrefixCanceledAndPanic(t *testing.T) {
	t.Parallel()
	a := mock.New(map[string]string{"/p/x": "1"})
	c, err := New([]vaultly.Backend{a, prefixPanicker{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetPrefix(ctx, "/p/", 10); !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled: GetPrefix = %v; want a cancellation", err)
	}
	_, err = c.GetPrefix(context.Background(), "/p/", 10)
	if !errors.Is(err, vaultly.ErrTransient) || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "backend panicked") {
		t.Errorf("panic: GetPrefix = %v; want a transient 'backend panicked'", err)
	}
	if _, err := (&Backend{}).GetPrefix(context.Background(), "/p/", 10); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("zero Backend: GetPrefix = %v; want ErrConfig", err)
	}
}

type prefixPanicker struct{}

func (prefixPanicker) Get(context.Context, vaultly.Ref) (string, error) { return "", nil }
func (prefixPanicker) GetPrefix(context.Context, string, int) (map[string]string, error) {
	panic("hunter2")
}
func (prefixPanicker) GetLease(context.Context, vaultly.Ref) (string, time.Duration, error) {
	panic("hunter2")
}

// leaser reads leases from a mock: every value is valid for valid.
type leaser struct {
	*mock.Backend
	valid time.Duration
}

func (l leaser) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	v, err := l.Get(ctx, ref)
	if err != nil {
		return "", 0, err
	}
	return v, l.valid, nil
}

func TestGetLease(t *testing.T) {
	t.Parallel()
	plain := mock.New(map[string]string{"/creds": "plain"}, mock.WithName("plain"))
	first := leaser{mock.New(map[string]string{"/a": `{"user":"u1"}`}, mock.WithName("first")), time.Minute}
	second := leaser{mock.New(map[string]string{"/creds": `{"user":"u2"}`, "/denied": "x"}, mock.WithName("second")), time.Hour}
	second.Fail("/denied", vaultly.ErrAuth)
	c, err := New([]vaultly.Backend{plain, first, second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ask   vaultly.Ref
		want  string
		valid time.Duration
		err   string
	}{
		{ask: ref("/a"), want: `{"user":"u1"}`, valid: time.Minute},
		{ask: kref("/a", "user"), want: "u1", valid: time.Minute},
		// plain holds /creds but reads no leases: skipped.
		{ask: ref("/creds"), want: `{"user":"u2"}`, valid: time.Hour},
		{ask: kref("/creds", "user"), want: "u2", valid: time.Hour},
		{ask: kref("/a", "nope"), err: "chain: /a#nope: secret not found: asked first, second"},
		{ask: ref("/denied"), err: "chain: second failed (asked first, second): not authorized"},
		{ask: ref("/missing"), err: "chain: /missing: secret not found: asked first, second"},
	}
	for _, tt := range tests {
		v, valid, err := c.GetLease(context.Background(), tt.ask)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) || v != "" || valid != 0 {
				t.Errorf("GetLease(%v) = %q, %v, %v; want an error starting %q", tt.ask, v, valid, err, tt.err)
			}
			continue
		}
		if v != tt.want || valid != tt.valid || err != nil {
			t.Errorf("GetLease(%v) = %q, %v, %v; want %q, %v", tt.ask, v, valid, err, tt.want, tt.valid)
		}
	}
	if plain.Requests() != 0 {
		t.Errorf("the member that reads no leases was asked %d times", plain.Requests())
	}
}

func TestGetLeaseNoMemberAndPanic(t *testing.T) {
	t.Parallel()
	c, err := New([]vaultly.Backend{mock.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetLease(context.Background(), ref("/a"))
	const want = "chain: /a: configuration error: no member of chain(mock) reads leases"
	if !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
		t.Errorf("GetLease = %v; want %q", err, want)
	}
	p, err := New([]vaultly.Backend{prefixPanicker{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.GetLease(context.Background(), ref("/a")); !errors.Is(err, vaultly.ErrTransient) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("panic: GetLease = %v; want transient, no panic value", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := p.GetLease(ctx, ref("/a")); !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled: GetLease = %v; want a cancellation", err)
	}
	if _, _, err := (&Backend{}).GetLease(context.Background(), ref("/a")); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("zero Backend: GetLease = %v; want ErrConfig", err)
	}
}

var _ backendkit.LeaseBackend = leaser{}
