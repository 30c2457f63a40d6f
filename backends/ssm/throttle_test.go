package ssm_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// Throttling answers are retried by the SDK and, when its attempts run
// out, are vaultly.ErrTransient with a hint about the quota; the other
// answers keep their kinds.
func TestThrottlingClassification(t *testing.T) {
	t.Parallel()
	const hint = "throughput quota"
	tests := []struct {
		status   int
		code     string
		wantKind string
		wantHint bool
		wantReqs int // the SDK's attempts
	}{
		{http.StatusBadRequest, "ThrottlingException", "transient", true, 3},
		{http.StatusBadRequest, "Throttling", "transient", true, 3},
		{http.StatusBadRequest, "TooManyRequestsException", "transient", true, 3},
		{http.StatusBadRequest, "RequestLimitExceeded", "transient", true, 3},
		{http.StatusBadRequest, "RequestThrottledException", "transient", true, 3},
		{http.StatusBadRequest, "ThrottledException", "transient", true, 3},
		{http.StatusBadRequest, "LimitExceededException", "transient", true, 3},
		{http.StatusBadRequest, "ProvisionedThroughputExceededException", "transient", true, 3},
		{http.StatusTooManyRequests, "SomethingNew", "transient", true, 3}, // an unmodelled 429
		{http.StatusInternalServerError, "InternalServerError", "transient", false, 3},
		{http.StatusServiceUnavailable, "ServiceUnavailable", "transient", false, 3},
		{http.StatusBadRequest, "SomethingNew", "transient", false, 1}, // unknown: transient, not retried by the SDK
		{http.StatusBadRequest, "AccessDeniedException", "auth", false, 1},
		{http.StatusBadRequest, "ParameterNotFound", "not_found", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			srv.PutSecure("/a", "s3cr3t-value")
			srv.Inject(ssmtest.ErrorCode(tt.status, tt.code, "message"))
			_, err := b.Get(t.Context(), vaultly.Ref{Path: "/a"})
			if k := kindName(err); k != tt.wantKind {
				t.Errorf("kind %s, want %s (%v)", k, tt.wantKind, err)
			}
			if has := strings.Contains(err.Error(), hint); has != tt.wantHint {
				t.Errorf("error %q: quota hint %v, want %v", err, has, tt.wantHint)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Errorf("the SDK's error is not reachable with code %q: %v", tt.code, err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q holds the value", err)
			}
			if n := srv.Requests(ssmtest.OpGetParameter); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

// The retryer New builds retries throttling with jittered backoff from a
// 1 s base: every delay is random in [0, 1 s) for the first retry and
// [0, 2 s) for the second.
func TestNewRetryerBacksOffThrottlingWithJitter(t *testing.T) {
	t.Parallel()
	b, err := ssm.New(ssm.WithConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}))
	if err != nil {
		t.Fatal(err)
	}
	opts := b.Client().Options()
	r := opts.Retryer
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	if !r.IsErrorRetryable(throttle) {
		t.Fatal("ThrottlingException is not retryable")
	}
	if n := opts.RetryMaxAttempts; n != ssm.DefaultMaxAttempts {
		t.Errorf("RetryMaxAttempts %d, want %d", n, ssm.DefaultMaxAttempts)
	}
	for attempt, limit := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d, err := r.RetryDelay(attempt, throttle)
			if err != nil {
				t.Fatal(err)
			}
			if d < 0 || d >= limit {
				t.Errorf("attempt %d: delay %v, want in [0, %v)", attempt, d, limit)
			}
			seen[d] = true
		}
		if len(seen) < 40 {
			t.Errorf("attempt %d: %d distinct delays in 50, want jitter", attempt, len(seen))
		}
	}
}

// A refresh throttled by the account's quota, after the SDK's retries,
// serves the stale value to a stale_on_error field instead of failing the
// read; once the quota allows it again, the value is fresh.
func TestThrottledRefreshServesStale(t *testing.T) {
	t.Parallel()
	serverClock := mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := ssmtest.NewServer(t, ssmtest.WithClock(serverClock.Now), ssmtest.WithQuota(1, 1))
	b, err := ssm.New(ssm.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	srv.PutSecure("/stale/pw", "pw-1")
	clock := mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var cfg struct {
		Password vaultly.Secret[string] `secret:"/stale/pw,ttl=1m,stale_on_error"`
	}
	if err := vaultly.LoadContext(t.Context(), &cfg, b, vaultly.WithClock(clock.Now)); err != nil {
		t.Fatal(err)
	}
	// The server's clock stands still: the quota's one token is spent.
	srv.PutSecure("/stale/pw", "pw-2")
	clock.Advance(2 * time.Minute)
	if v, err := cfg.Password.Get(t.Context()); err != nil || v != "pw-1" {
		t.Fatalf("throttled refresh: %q, %v; want the stale pw-1", v, err)
	}
	if n := srv.Throttled(""); n != ssmtest.ClientMaxAttempts {
		t.Errorf("%d requests throttled, want %d (every attempt of the refresh)", n, ssmtest.ClientMaxAttempts)
	}
	serverClock.Advance(time.Second)
	clock.Advance(2 * time.Minute)
	if v, err := cfg.Password.Get(t.Context()); err != nil || v != "pw-2" {
		t.Errorf("after the quota refilled: %q, %v; want pw-2", v, err)
	}
}
