package fleet

import (
	"fmt"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// Store is the secret store the fleet reads.
type Store string

const (
	// SSM is Parameter Store (ssmtest), the default: GetParameters reads
	// 10 names a call, so a Load of 100 Secrets is 10 requests.
	SSM Store = "ssm"
	// SecretsManager is Secrets Manager (smtest): BatchGetSecretValue
	// reads 20 secret ids a call, so a Load of 100 Secrets is 5 requests.
	SecretsManager Store = "secretsmanager"
)

// PerLoad is how many requests a batched Load of n Secrets makes.
func (s Store) PerLoad(n int) int {
	per := 10
	if s == SecretsManager {
		per = 20
	}
	return (n + per - 1) / per
}

func (s Store) String() string {
	if s == SecretsManager {
		return "Secrets Manager"
	}
	return "SSM"
}

// store is a fake of one Store in process, with its batching backend.
type store struct {
	backend   vaultly.BatchBackend
	total     func() int // requests the store saw
	throttled func() int // of them, refused by the quota
	close     func()
}

// openStore starts a fake of kind on the clock now, holding secrets
// path(0) to path(secrets-1), with the quota given (none when rps is 0),
// calling hook for every request, and a backend over it whose SDK client
// makes one attempt per call.
func openStore(kind Store, now func() time.Time, rps float64, burst, secrets int, hook func(at time.Time, throttled bool)) (*store, error) {
	switch kind {
	case "", SSM:
		opts := []ssmtest.Option{ssmtest.WithClock(now), ssmtest.WithCallLog(false)}
		if rps > 0 {
			opts = append(opts, ssmtest.WithQuota(rps, burst))
		}
		if hook != nil {
			opts = append(opts, ssmtest.WithRequestHook(func(r ssmtest.Request) { hook(r.At, r.Throttled) }))
		}
		srv, err := ssmtest.New(opts...)
		if err != nil {
			return nil, err
		}
		for i := range secrets {
			srv.PutSecure(path(i), fmt.Sprintf("value-%02d", i))
		}
		b, err := ssm.New(ssm.WithClient(srv.InProcessClient(ssmtest.WithMaxAttempts(1))))
		if err != nil {
			srv.Close()
			return nil, err
		}
		return &store{backend: b, total: srv.TotalRequests, throttled: func() int { return srv.Throttled("") }, close: srv.Close}, nil
	case SecretsManager:
		opts := []smtest.Option{smtest.WithClock(now), smtest.WithCallLog(false)}
		if rps > 0 {
			opts = append(opts, smtest.WithQuota(rps, burst))
		}
		if hook != nil {
			opts = append(opts, smtest.WithRequestHook(func(r smtest.Request) { hook(r.At, r.Throttled) }))
		}
		srv, err := smtest.New(opts...)
		if err != nil {
			return nil, err
		}
		for i := range secrets {
			srv.Put(path(i), fmt.Sprintf("value-%02d", i))
		}
		b, err := secretsmanager.New(secretsmanager.WithClient(srv.InProcessClient(smtest.WithMaxAttempts(1))))
		if err != nil {
			srv.Close()
			return nil, err
		}
		return &store{backend: b, total: srv.TotalRequests, throttled: func() int { return srv.Throttled("") }, close: srv.Close}, nil
	}
	return nil, fmt.Errorf("fleet: unknown store %q", kind)
}
