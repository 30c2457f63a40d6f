package awsclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/fanout"
)

func TestCapAttempts(t *testing.T) {
	t.Parallel()
	retryer := func(n int) aws.Retryer {
		return awsretry.NewStandard(func(o *awsretry.StandardOptions) { o.MaxAttempts = n })
	}
	tests := []struct {
		name     string
		retryer  aws.Retryer
		retryMax int
		want     int
	}{
		{"nothing set", nil, 0, MaxAttempts},
		{"more asked", retryer(5), 7, MaxAttempts},
		{"retryer asks fewer", retryer(2), 0, 2},
		{"RetryMaxAttempts asks fewer", retryer(5), 1, 1},
		{"both fewer: the lower", retryer(2), 1, 1},
	}
	for _, tt := range tests {
		if got := CapAttempts(tt.retryer, tt.retryMax); got != tt.want {
			t.Errorf("%s: CapAttempts = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestSettingsOptions(t *testing.T) {
	t.Parallel()
	s := NewSettings("ssm")
	if s.Concurrency != BatchConcurrency || s.Limiter != nil {
		t.Fatalf("defaults %+v", s)
	}
	tests := []struct {
		name string
		set  func(*Settings) error
		want string // fragment of the error; "" for none
	}{
		{"region", func(s *Settings) error { return s.SetRegion("eu-west-1") }, ""},
		{"empty region", func(s *Settings) error { return s.SetRegion("") }, "WithRegion: empty region"},
		{"concurrency", func(s *Settings) error { return s.SetBatchConcurrency(4) }, ""},
		{"zero concurrency", func(s *Settings) error { return s.SetBatchConcurrency(0) }, "WithBatchConcurrency(0): want at least 1"},
		{"rate limit", func(s *Settings) error { return s.SetRateLimit(10, 2) }, ""},
		{"zero burst", func(s *Settings) error { return s.SetRateLimit(10, 0) }, "WithRateLimit(10, 0)"},
	}
	for _, tt := range tests {
		err := tt.set(&s)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var be *vaultly.BackendError
		if !errors.As(err, &be) || be.Backend != "ssm" || !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want an ssm ErrConfig mentioning %q", tt.name, err, tt.want)
		}
	}
	if diff := cmp.Diff([]any{"eu-west-1", 4, true}, []any{s.Region, s.Concurrency, s.Limiter != nil}); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestCheckClient(t *testing.T) {
	t.Parallel()
	s := NewSettings("secretsmanager")
	if err := s.CheckClient("secretsmanager", "eu-west-1"); err != nil {
		t.Errorf("a client with a region: %v", err)
	}
	err := s.CheckClient("secretsmanager", "")
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "secretsmanager.Options.Region") {
		t.Errorf("a client without a region: %v", err)
	}
	s.Region = "eu-west-1"
	if err := s.CheckClient("secretsmanager", "eu-west-1"); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("WithClient and WithRegion: %v, want ErrConfig", err)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	type opts struct{ n int }
	type option func(*opts) error
	add := func(k int) option { return func(o *opts) error { o.n += k; return nil } }
	bad := func(msg string) option { return func(*opts) error { return errors.New(msg) } }
	var o opts
	err := Apply(&o, []option{add(1), nil, bad("first"), add(2), bad("second")})
	if o.n != 3 || err == nil || !strings.Contains(err.Error(), "first") || !strings.Contains(err.Error(), "second") {
		t.Errorf("Apply: n %d, error %v; want 3 and both errors", o.n, err)
	}
	if err := Apply(&o, []option(nil)); err != nil {
		t.Errorf("no options: %v", err)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	codes := CommonCodes("grant it")
	tests := []struct {
		err  error
		want CodeKind
		ok   bool
	}{
		{&CredentialsError{err: errors.New("none")}, CodeKind{vaultly.ErrAuth, HintCredentials}, true},
		{fmt.Errorf("wrapped: %w", &smithy.GenericAPIError{Code: "ExpiredToken"}), CodeKind{vaultly.ErrAuth, HintCredentials}, true},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, CodeKind{vaultly.ErrAuth, "grant it"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, CodeKind{}, false},
		{errors.New("connection reset"), CodeKind{}, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(codes, tt.err)
		if ok != tt.ok || got.Kind != tt.want.Kind || got.Hint != tt.want.Hint {
			t.Errorf("Lookup(%v) = %v, %v; want %v, %v", tt.err, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCredentialsErrorText(t *testing.T) {
	t.Parallel()
	e := &CredentialsError{err: errors.New("failed to refresh\ncached credentials,\t try again")}
	if got, want := e.Error(), "failed to refresh cached credentials, try again"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if e.RetryableError() {
		t.Error("a credentials error is retryable")
	}
}

func TestNotRun(t *testing.T) {
	t.Parallel()
	ref := vaultly.Ref{Path: "/a"}
	if err := NotRun("ssm", ref, fanout.ErrPanicked); !errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("panicked: %v, want ErrTransient", err)
	}
	err := NotRun("ssm", ref, context.Canceled)
	if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("canceled: %v, want context.Canceled and no kind", err)
	}
}
