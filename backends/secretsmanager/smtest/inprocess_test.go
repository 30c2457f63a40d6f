package smtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

func TestInProcessClient(t *testing.T) {
	t.Parallel()
	t.Run("answers and faults", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name      string
			fault     smtest.Fault
			wantCode  string
			wantCalls int
		}{
			{name: "no fault", wantCalls: 1},
			{name: "dropped twice, then answered", fault: smtest.DropConnection().Times(2), wantCalls: 3},
			{name: "throttled once", fault: smtest.Throttling().Times(1), wantCalls: 2},
			{name: "denied", fault: smtest.AccessDenied(), wantCode: "AccessDeniedException", wantCalls: 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				srv := smtest.NewServer(t)
				srv.Put("a", "A")
				if tt.fault != (smtest.Fault{}) {
					srv.Inject(tt.fault)
				}
				out, err := srv.InProcessClient().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
				if code := errCode(err); code != tt.wantCode {
					t.Fatalf("error code %q, want %q (%v)", code, tt.wantCode, err)
				}
				if err == nil && aws.ToString(out.SecretString) != "A" {
					t.Errorf("value %q, want A", aws.ToString(out.SecretString))
				}
				if n := srv.Requests(smtest.OpGetSecretValue); n != tt.wantCalls {
					t.Errorf("%d requests, want %d", n, tt.wantCalls)
				}
			})
		}
	})
	t.Run("dropped every time is a connection error", func(t *testing.T) {
		t.Parallel()
		srv := smtest.NewServer(t)
		srv.Put("a", "A")
		srv.Inject(smtest.DropConnection())
		_, err := srv.InProcessClient().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("error %v, want a connection reset", err)
		}
		if n := srv.Requests(smtest.OpGetSecretValue); n != smtest.ClientMaxAttempts {
			t.Errorf("%d requests, want %d (retried)", n, smtest.ClientMaxAttempts)
		}
	})
	t.Run("latency ends with the context", func(t *testing.T) {
		t.Parallel()
		srv := smtest.NewServer(t)
		srv.Put("a", "A")
		srv.Inject(smtest.Latency(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := srv.InProcessClient().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
			done <- err
		}()
		if err := srv.WaitRequests(t.Context(), smtest.OpGetSecretValue, 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
	t.Run("batch under the quota", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		srv := smtest.NewServer(t, smtest.WithQuota(1, 1), smtest.WithClock(func() time.Time { return now }))
		srv.Put("a", "A")
		srv.Put("b", "B")
		c := srv.InProcessClient(smtest.WithMaxAttempts(1))
		out, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a", "b"}})
		if err != nil || len(out.SecretValues) != 2 {
			t.Fatalf("first batch: %v, %d values; want 2 values", err, len(out.SecretValues))
		}
		_, err = c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a"}})
		if code := errCode(err); code != "ThrottlingException" {
			t.Errorf("second batch in the same instant: code %q, want ThrottlingException", code)
		}
		if n, thr := srv.Requests(smtest.OpBatchGetSecretValue), srv.Throttled(""); n != 2 || thr != 1 {
			t.Errorf("%d requests, %d throttled; want 2, 1", n, thr)
		}
	})
}
