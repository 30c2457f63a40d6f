package secretsmanager_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// The tests of New that package ssm shares are in aws_test.go.

// Every option given an invalid value makes New fail with ErrConfig and
// an error naming the option; nothing is clamped or ignored. A nil Option
// is ignored.
func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	tests := []struct {
		name string
		opts []secretsmanager.Option
		want []string // fragments of the error text
	}{
		{"empty region", []secretsmanager.Option{secretsmanager.WithRegion("")}, []string{"WithRegion: empty region"}},
		{"nil client", []secretsmanager.Option{secretsmanager.WithClient(nil)}, []string{"WithClient: nil client"}},
		{"zero batch concurrency", []secretsmanager.Option{secretsmanager.WithClient(srv.Client()), secretsmanager.WithBatchConcurrency(0)},
			[]string{"WithBatchConcurrency(0): want at least 1"}},
		{"negative batch concurrency", []secretsmanager.Option{secretsmanager.WithClient(srv.Client()), secretsmanager.WithBatchConcurrency(-3)},
			[]string{"WithBatchConcurrency(-3): want at least 1"}},
		{"zero rate", []secretsmanager.Option{secretsmanager.WithClient(srv.Client()), secretsmanager.WithRateLimit(0, 1)},
			[]string{"WithRateLimit(0, 1)"}},
		{"zero burst", []secretsmanager.Option{secretsmanager.WithClient(srv.Client()), secretsmanager.WithRateLimit(10, 0)},
			[]string{"WithRateLimit(10, 0)", "burst"}},
		{"every bad option at once", []secretsmanager.Option{secretsmanager.WithRegion(""), secretsmanager.WithBatchConcurrency(0), secretsmanager.WithClient(nil)},
			[]string{"WithRegion: empty region", "WithBatchConcurrency(0)", "WithClient: nil client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := secretsmanager.New(tt.opts...)
			if !errors.Is(err, vaultly.ErrConfig) || b != nil {
				t.Fatalf("New = %v, %v; want nil and ErrConfig", b, err)
			}
			for _, frag := range tt.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not contain %q", err, frag)
				}
			}
		})
	}

	t.Run("nil option ignored", func(t *testing.T) {
		t.Parallel()
		if _, err := secretsmanager.New(nil, secretsmanager.WithClient(srv.Client()), nil); err != nil {
			t.Errorf("New with nil options: %v", err)
		}
	})
}
