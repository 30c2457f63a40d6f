package ssm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// The tests of New that package secretsmanager shares are in aws_test.go.

// Every option given an invalid value makes New fail with ErrConfig and
// an error naming the option; nothing is clamped or ignored. A nil Option
// is ignored.
func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	tests := []struct {
		name string
		opts []ssm.Option
		want []string // fragments of the error text
	}{
		{"empty region", []ssm.Option{ssm.WithRegion("")}, []string{"WithRegion: empty region"}},
		{"nil client", []ssm.Option{ssm.WithClient(nil)}, []string{"WithClient: nil client"}},
		{"zero batch concurrency", []ssm.Option{ssm.WithClient(srv.Client()), ssm.WithBatchConcurrency(0)},
			[]string{"WithBatchConcurrency(0): want at least 1"}},
		{"negative batch concurrency", []ssm.Option{ssm.WithClient(srv.Client()), ssm.WithBatchConcurrency(-3)},
			[]string{"WithBatchConcurrency(-3): want at least 1"}},
		{"every bad option at once", []ssm.Option{ssm.WithRegion(""), ssm.WithBatchConcurrency(0), ssm.WithClient(nil)},
			[]string{"WithRegion: empty region", "WithBatchConcurrency(0)", "WithClient: nil client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := ssm.New(tt.opts...)
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
		if _, err := ssm.New(nil, ssm.WithClient(srv.Client()), nil); err != nil {
			t.Errorf("New with nil options: %v", err)
		}
	})
}
