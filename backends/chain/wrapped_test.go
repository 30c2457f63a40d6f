package chain

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
)

// A member that only wraps a backend which cannot list or read leases
// (retry around it, or a chain of such members) has GetPrefix and GetLease
// methods, but is skipped like the backend it wraps: it does not stop the
// chain with a configuration error.
func TestWrappedMembersThatCannot(t *testing.T) {
	t.Parallel()
	plain := mock.New(map[string]string{"/creds": "plain", "/p/x": "plain-x"}, mock.WithName("plain"))
	wrapped, err := retry.New(plain.Plain())
	if err != nil {
		t.Fatal(err)
	}
	inner, err := New([]vaultly.Backend{plain.Plain()})
	if err != nil {
		t.Fatal(err)
	}
	retriedChain, err := retry.New(inner)
	if err != nil {
		t.Fatal(err)
	}
	lister := leaser{mock.New(map[string]string{"/creds": "leased", "/p/y": "y"}, mock.WithName("lister")), time.Hour}
	for name, m := range map[string]vaultly.Backend{"retry": wrapped, "chain": inner, "retry(chain)": retriedChain} {
		c, err := New([]vaultly.Backend{m, lister})
		if err != nil {
			t.Fatal(err)
		}
		v, valid, err := c.GetLease(context.Background(), ref("/creds"))
		if v != "leased" || valid != time.Hour || err != nil {
			t.Errorf("%s: GetLease = %q, %v, %v; want the lister's leased value", name, v, valid, err)
		}
		got, err := c.GetPrefix(context.Background(), "/p/", 10)
		if diff := cmp.Diff(map[string]string{"y": "y"}, got); diff != "" || err != nil {
			t.Errorf("%s: GetPrefix: %v (-want +got):\n%s", name, err, diff)
		}
		// alone, the member still cannot: ErrConfig
		alone, err := New([]vaultly.Backend{m})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := alone.GetLease(context.Background(), ref("/creds")); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("%s alone: GetLease = %v; want ErrConfig", name, err)
		}
		if _, err := alone.GetPrefix(context.Background(), "/p/", 10); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("%s alone: GetPrefix = %v; want ErrConfig", name, err)
		}
	}
	if n := plain.Requests(); n != 0 {
		t.Errorf("the member that can do neither was asked %d times", n)
	}
}
