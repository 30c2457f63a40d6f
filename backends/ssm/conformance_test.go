package ssm_test

import (
	"context"
	"testing"
	"time"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// conformanceServer starts an ssmtest server holding secrets, every value
// a version in order (so version n is Versions[n-1]), and a backend on a
// client of it. A Secret with Fail is denied by an AccessDeniedException,
// and so is the listing of its folder.
func conformanceServer(t *testing.T, secrets []backendtest.Secret, client ...func(*ssmsdk.Options)) (*ssm.Backend, *ssmtest.Server) {
	t.Helper()
	srv := ssmtest.NewServer(t)
	for _, s := range secrets {
		for _, v := range s.Versions {
			srv.PutSecure(s.Path, v)
		}
		if s.Fail {
			srv.Inject(ssmtest.AccessDenied(), s.Path) // a listing that covers it too
		}
	}
	b, err := ssm.New(ssm.WithClient(srv.Client(client...)))
	if err != nil {
		t.Fatal(err)
	}
	return b, srv
}

// TestConformance runs the backend, over the real SDK client and an
// ssmtest server, through the contract every backend keeps.
func TestConformance(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			b, _ := conformanceServer(t, secrets)
			return b
		},
		Versions: true,
		Failures: true,
		Prefixes: true,
		NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
			// One attempt per call, so that each call is one request.
			b, srv := conformanceServer(t, secrets, ssmtest.WithMaxAttempts(1))
			srv.Inject(ssmtest.Latency(time.Hour))
			return b, func(ctx context.Context, n int) error { return srv.WaitRequests(ctx, "", n) }
		},
	})
}
