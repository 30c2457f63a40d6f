package faulttest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

type deniedConfig struct {
	Password vaultly.Secret[string] `secret:"/app/db/password,ttl=1m,stale_on_error"`
}

// Through the real SSM client: once SSM refuses a stale_on_error Secret
// (access denied, a KMS key the caller may not use, expired credentials),
// every later read returns the ErrAuth error and asks SSM again, within
// the stale retry interval and after it, whether or not a transient
// failure had opened the stale window before; the old value is never
// served again. When access comes back, the next read returns the current
// value.
func TestSSMDeniedNeverServesStale(t *testing.T) {
	t.Parallel()
	const (
		ttl        = time.Minute
		staleRetry = 10 * time.Second
		path       = "/app/db/password"
	)
	denials := []struct {
		name  string
		fault ssmtest.Fault
		// sdkErr reports whether err holds the SDK's typed error.
		sdkErr func(err error) bool
	}{
		{"AccessDeniedException", ssmtest.AccessDenied(), func(err error) bool {
			var e *types.AccessDeniedException
			return errors.As(err, &e)
		}},
		{"InvalidKeyId", ssmtest.InvalidKeyID(), func(err error) bool {
			var e *types.InvalidKeyId
			return errors.As(err, &e)
		}},
		{"ExpiredTokenException", ssmtest.ErrorCode(400, "ExpiredTokenException", "The security token included in the request is expired"),
			func(err error) bool {
				var e smithy.APIError
				return errors.As(err, &e) && e.ErrorCode() == "ExpiredTokenException"
			}},
	}
	for _, outageFirst := range []bool{false, true} {
		for _, d := range denials {
			name := d.name
			if outageFirst {
				name += "/after a transient failure"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := ssmtest.NewServer(t)
				srv.PutSecure(path, "pw-1")
				b, err := ssm.New(ssm.WithClient(srv.Client()))
				if err != nil {
					t.Fatal(err)
				}
				clk := newClock()
				l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithStaleRetryInterval(staleRetry))
				t.Cleanup(func() { l.Close() })
				var cfg deniedConfig
				ctx := context.Background()
				if err := l.Load(ctx, &cfg); err != nil {
					t.Fatal(err)
				}
				if v, err := cfg.Password.Get(ctx); err != nil || v != "pw-1" {
					t.Fatalf("first Get = %q, %v", v, err)
				}
				clk.Advance(ttl + time.Second) // expired

				if outageFirst {
					srv.Inject(ssmtest.InternalError())
					if v, err := cfg.Password.Get(ctx); err != nil || v != "pw-1" {
						t.Fatalf("Get during the outage = %q, %v; want the stale value", v, err)
					}
					clk.Advance(staleRetry) // the store is asked again
					srv.ClearFaults()
				}

				srv.Inject(d.fault, path)
				// The denial, then reads right after it, within the stale
				// retry interval, and past it.
				for i, step := range []time.Duration{0, 0, time.Second, staleRetry / 2, staleRetry, ttl} {
					clk.Advance(step)
					before := srv.TotalRequests()
					v, err := cfg.Password.Get(ctx)
					if v != "" || !errors.Is(err, vaultly.ErrAuth) {
						t.Fatalf("read %d (+%v): Get = %q, %v; want ErrAuth and no value", i, step, v, err)
					}
					if errors.Is(err, vaultly.ErrTransient) {
						t.Errorf("read %d: error %v also matches ErrTransient", i, err)
					}
					var fe *vaultly.FieldError
					if !errors.As(err, &fe) || fe.Field != "deniedConfig.Password" {
						t.Errorf("read %d: error %v does not name the field", i, err)
					}
					if !d.sdkErr(err) {
						t.Errorf("read %d: error %v does not hold the SDK's %s error", i, err, d.name)
					}
					if strings.Contains(err.Error(), "pw-1") {
						t.Errorf("read %d: error %q holds the value", i, err)
					}
					if n := srv.TotalRequests() - before; n != 1 {
						t.Errorf("read %d made %d requests, want 1 (asks SSM, not retried)", i, n)
					}
				}

				// Access restored, and the secret rotated meanwhile.
				srv.ClearFaults()
				srv.PutSecure(path, "pw-2")
				if v, err := cfg.Password.Get(ctx); err != nil || v != "pw-2" {
					t.Errorf("Get after access came back = %q, %v; want pw-2", v, err)
				}
			})
		}
	}
}
