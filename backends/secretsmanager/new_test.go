package secretsmanager_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// isolateAWSEnv clears every AWS setting New could pick up and points the
// shared config and credentials files at empty files. Tests that call it
// cannot run in parallel (t.Setenv).
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("HOME", dir)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_DEFAULTS_MODE", "AWS_CA_BUNDLE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026",
	} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// envFor points the default AWS configuration at srv.
func envFor(t *testing.T, srv *smtest.Server) {
	t.Helper()
	isolateAWSEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL())
}

func TestNewFromEnvironment(t *testing.T) {
	srv := smtest.NewServer(t)
	srv.Put("a", "from-env-endpoint")
	envFor(t, srv)

	b, err := secretsmanager.New()
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(t.Context(), vaultly.Ref{Path: "a"})
	if err != nil || got != "from-env-endpoint" {
		t.Fatalf("Get = %q, %v", got, err)
	}

	// Production defaults.
	hc := b.BuiltHTTPClient()
	if hc == nil {
		t.Fatal("New built no HTTP client")
	}
	if d := hc.GetDialer().Timeout; d != 2*time.Second {
		t.Errorf("connect timeout %v, want 2s", d)
	}
	if d, ok := hc.GetReadTimeout(); !ok || d != 5*time.Second {
		t.Errorf("read timeout %v (set %v), want 5s", d, ok)
	}
	if d := hc.GetTransport().TLSHandshakeTimeout; d != 2*time.Second {
		t.Errorf("TLS handshake timeout %v, want 2s", d)
	}
	opts := b.Client().Options()
	if n := opts.Retryer.MaxAttempts(); n != 3 {
		t.Errorf("retryer max attempts %d, want 3", n)
	}
	if opts.Region != "eu-west-1" {
		t.Errorf("region %q, want eu-west-1", opts.Region)
	}
}

func TestNewAttemptsCap(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want int
	}{{"", 3}, {"5", 3}, {"2", 2}, {"1", 1}} {
		t.Run("AWS_MAX_ATTEMPTS="+tt.env, func(t *testing.T) {
			srv := smtest.NewServer(t)
			envFor(t, srv)
			if tt.env != "" {
				t.Setenv("AWS_MAX_ATTEMPTS", tt.env)
			}
			b, err := secretsmanager.New()
			if err != nil {
				t.Fatal(err)
			}
			srv.Inject(smtest.InternalError())
			if _, err := b.Get(t.Context(), vaultly.Ref{Path: "a"}); !errors.Is(err, vaultly.ErrTransient) {
				t.Fatalf("error %v, want ErrTransient", err)
			}
			if n := srv.Requests(smtest.OpGetSecretValue); n != tt.want {
				t.Errorf("%d attempts, want %d", n, tt.want)
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	isolateAWSEnv(t)

	t.Run("no region is a config error", func(t *testing.T) {
		_, err := secretsmanager.New()
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("error %v, want ErrConfig", err)
		}
	})
	t.Run("WithRegion", func(t *testing.T) {
		t.Setenv("AWS_REGION", "us-west-2")
		b, err := secretsmanager.New(secretsmanager.WithRegion("ap-south-1"))
		if err != nil {
			t.Fatal(err)
		}
		if r := b.Client().Options().Region; r != "ap-south-1" {
			t.Errorf("region %q, want ap-south-1", r)
		}
	})
	t.Run("WithConfig and BaseEndpoint", func(t *testing.T) {
		cfg := aws.Config{
			Region:       "eu-central-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			BaseEndpoint: aws.String(srv.URL()),
		}
		b, err := secretsmanager.New(secretsmanager.WithConfig(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.Get(t.Context(), vaultly.Ref{Path: "a"}); err != nil || got != "A" {
			t.Errorf("Get = %q, %v", got, err)
		}
		if b.BuiltHTTPClient() == nil {
			t.Error("WithConfig without an HTTP client: production timeouts not applied")
		}
	})
	t.Run("WithConfig retryer with fewer attempts keeps them", func(t *testing.T) {
		srv := smtest.NewServer(t)
		srv.Inject(smtest.InternalError())
		cfg := aws.Config{
			Region:       "eu-central-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			BaseEndpoint: aws.String(srv.URL()),
			Retryer: func() aws.Retryer {
				return awsretry.NewStandard(func(o *awsretry.StandardOptions) { o.MaxAttempts = 1 })
			},
		}
		b, err := secretsmanager.New(secretsmanager.WithConfig(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Get(t.Context(), vaultly.Ref{Path: "a"}); !errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("error %v, want ErrTransient", err)
		}
		if n := srv.Requests(smtest.OpGetSecretValue); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
	t.Run("WithClient cannot be combined", func(t *testing.T) {
		for _, opt := range []secretsmanager.Option{secretsmanager.WithRegion("eu-west-1"), secretsmanager.WithConfig(aws.Config{Region: "x"})} {
			if _, err := secretsmanager.New(secretsmanager.WithClient(srv.Client()), opt); !errors.Is(err, vaultly.ErrConfig) {
				t.Errorf("error %v, want ErrConfig", err)
			}
		}
	})
}

func TestNewEndpointAndRetryModeFromEnvironment(t *testing.T) {
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	isolateAWSEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL()) // every service
	t.Setenv("AWS_RETRY_MODE", "adaptive")
	b, err := secretsmanager.New()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(t.Context(), vaultly.Ref{Path: "a"}); err != nil || got != "A" {
		t.Errorf("Get = %q, %v", got, err)
	}
	opts := b.Client().Options()
	if opts.RetryMode != aws.RetryModeAdaptive || opts.Retryer.MaxAttempts() != 3 {
		t.Errorf("retry mode %q with %d attempts, want adaptive with 3", opts.RetryMode, opts.Retryer.MaxAttempts())
	}
}

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
