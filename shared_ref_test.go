package vaultly_test

import (
	"context"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestSecretSharesPlainFieldFetch: a Secret that names the same Ref as a
// plain field reads the value Load fetched for the plain field, without
// prefetch and without a second request.
func TestSecretSharesPlainFieldFetch(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []bool{false, true} {
		b := mock.New(map[string]string{"/db/pw": "s3cret", "/other": "x"})
		var cfg struct {
			Plain  string                 `secret:"/db/pw"`
			Lazy   vaultly.Secret[string] `secret:"/db/pw,ttl=1h"`
			Alone  vaultly.Secret[string] `secret:"/other"`
			Plain2 string                 `secret:"/other"`
		}
		ctx := context.Background()
		if err := vaultly.LoadContext(ctx, &cfg, b, vaultly.WithPrefetch(prefetch)); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*vaultly.Secret[string]{&cfg.Lazy, &cfg.Alone} {
			if _, err := s.Get(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := b.Requests(); got != 1 {
			t.Errorf("prefetch=%v: requests = %d, want 1 (one GetBatch; the Secrets read what it fetched)", prefetch, got)
		}
	}
}
