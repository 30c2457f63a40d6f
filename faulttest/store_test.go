package faulttest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// store is one loopback secret store with the real client in front of it,
// seen through the operations the scenarios need. Paths are written as in
// a tag ("/app/db/password"); the Vault backend reads the KV entry
// app/db/password, key "value".
type store struct {
	name string
	// backend returns the store's real backend. timeout > 0 shortens the
	// client's timeout (SSM: per attempt; Vault: per call).
	backend func(t *testing.T, timeout time.Duration) vaultly.Backend
	// put writes value as a new version of path.
	put func(path, value string)
	// outage makes every read fail as the store does when it is down:
	// SSM 500 InternalServerError, Vault 503 sealed.
	outage func()
	// throttle makes every read fail, after latency, with SSM
	// ThrottlingException or Vault 429.
	throttle func(latency time.Duration)
	// throttleN throttles the next n reads of path only.
	throttleN func(path string, n int)
	// slow delays every answer by d.
	slow func(d time.Duration)
	// recover removes every fault.
	recover func()
	// close stops the server (it is also stopped when the test ends).
	close func()
	// requests is how many reads the server received, faults included.
	requests func() int
	// attempts is how many attempts the client makes per call (its own
	// retries) when every attempt fails.
	attempts int
}

// storeKind names a store and starts one; each test starts its own
// servers.
type storeKind struct {
	name  string
	start func(t *testing.T) *store
}

var storeKinds = []storeKind{{"ssm", newSSMStore}, {"vault", newVaultStore}}

func newSSMStore(t *testing.T) *store {
	srv := ssmtest.NewServer(t)
	return &store{
		name: "ssm",
		backend: func(t *testing.T, timeout time.Duration) vaultly.Backend {
			t.Helper()
			var opts []func(*ssmsdk.Options)
			if timeout > 0 {
				opts = append(opts, ssmtest.WithReadTimeout(timeout))
			}
			b, err := ssm.New(ssm.WithClient(srv.Client(opts...)))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		put:      func(path, value string) { srv.PutSecure(path, value) },
		outage:   func() { srv.Inject(ssmtest.InternalError()) },
		throttle: func(d time.Duration) { srv.Inject(ssmtest.Throttling().WithLatency(d)) },
		throttleN: func(path string, n int) {
			srv.Inject(ssmtest.Throttling().Times(n), path)
		},
		slow:     func(d time.Duration) { srv.Inject(ssmtest.Latency(d)) },
		recover:  srv.ClearFaults,
		close:    srv.Close,
		requests: srv.TotalRequests,
		attempts: ssmtest.ClientMaxAttempts,
	}
}

func newVaultStore(t *testing.T) *store {
	srv := vaulttest.NewServer(t)
	return &store{
		name: "vault",
		backend: func(t *testing.T, timeout time.Duration) vaultly.Backend {
			t.Helper()
			c := srv.Client()
			if timeout > 0 {
				c.SetClientTimeout(timeout)
			}
			b, err := vault.New(vault.WithClient(c))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		put: func(path, value string) {
			srv.Put(strings.Trim(path, "/"), map[string]any{"value": value})
		},
		outage: srv.Seal,
		throttle: func(d time.Duration) {
			srv.Inject(vaulttest.Fault{Status: http.StatusTooManyRequests, Delay: d})
		},
		throttleN: func(path string, n int) {
			srv.Inject(vaulttest.Fault{Path: path, Status: http.StatusTooManyRequests, Times: n})
		},
		slow:     func(d time.Duration) { srv.Inject(vaulttest.Fault{Delay: d}) },
		recover:  srv.ClearFaults,
		close:    srv.Close,
		requests: srv.TotalReads,
		attempts: 3, // vaulttest's client: 2 retries
	}
}
