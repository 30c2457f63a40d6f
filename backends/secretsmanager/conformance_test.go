package secretsmanager_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// conformanceServer starts an smtest server holding secrets, every value
// a version in order, each version also carrying the staging label of its
// number ("1" for the oldest), which the suite reads as Ref.Version; and a
// backend on a client of it. A Secret with Fail is denied, as a policy
// denies it (an AccessDeniedException, or an Errors entry of a batch).
func conformanceServer(t *testing.T, secrets []backendtest.Secret, client ...func(*smsdk.Options)) (*secretsmanager.Backend, *smtest.Server) {
	t.Helper()
	srv := smtest.NewServer(t)
	for _, s := range secrets {
		for i, v := range s.Versions {
			id := srv.Put(s.Path, v)
			if err := srv.SetStage(s.Path, strconv.Itoa(i+1), id); err != nil {
				t.Fatal(err)
			}
		}
		if s.Fail {
			srv.FailSecret(s.Path, "AccessDeniedException")
		}
	}
	b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client(client...)))
	if err != nil {
		t.Fatal(err)
	}
	return b, srv
}

// TestConformance runs the backend, over the real SDK client and an
// smtest server, through the contract every backend keeps.
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
			b, srv := conformanceServer(t, secrets, smtest.WithMaxAttempts(1))
			srv.Inject(smtest.Latency(time.Hour))
			return b, func(ctx context.Context, n int) error { return srv.WaitRequests(ctx, "", n) }
		},
	})
}
