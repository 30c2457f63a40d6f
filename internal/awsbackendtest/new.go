package awsbackendtest

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vaultly/vaultly"
)

// RunNewFromEnvironment checks that New with the default configuration
// reads the region, credentials and service endpoint from the environment
// and builds a client with the production defaults: connect and TLS
// handshake timeouts of 2 s, a read timeout of 5 s, 3 attempts. It sets
// environment variables: t must not be parallel.
func RunNewFromEnvironment(t *testing.T, h Harness) {
	f := h.NewFake(t)
	h.Put(f, h.Path, "from-env-endpoint")
	h.envFor(t, f)

	b := h.mustNew(t, Options{})
	got, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
	if err != nil || got != "from-env-endpoint" {
		t.Fatalf("Get = %q, %v", got, err)
	}

	c := h.Inspect(b)
	hc := c.Built
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
	if n := c.Retryer.MaxAttempts(); n != 3 {
		t.Errorf("retryer max attempts %d, want 3", n)
	}
	if c.Region != "eu-west-1" {
		t.Errorf("region %q, want eu-west-1", c.Region)
	}
}

// RunNewAttemptsCap checks that AWS_MAX_ATTEMPTS can lower the attempts
// of a Get below 3, never raise them. It sets environment variables: t
// must not be parallel.
func RunNewAttemptsCap(t *testing.T, h Harness) {
	for _, tt := range []struct {
		env  string
		want int
	}{{"", 3}, {"5", 3}, {"2", 2}, {"1", 1}} {
		t.Run("AWS_MAX_ATTEMPTS="+tt.env, func(t *testing.T) {
			f := h.NewFake(t)
			h.envFor(t, f)
			if tt.env != "" {
				t.Setenv("AWS_MAX_ATTEMPTS", tt.env)
			}
			b := h.mustNew(t, Options{})
			h.InternalError(f)
			if _, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path}); !errors.Is(err, vaultly.ErrTransient) {
				t.Fatalf("error %v, want ErrTransient", err)
			}
			if n := f.Requests(h.GetOp); n != tt.want {
				t.Errorf("%d attempts, want %d", n, tt.want)
			}
		})
	}
}

// RunNewOptions checks WithRegion, WithConfig (its endpoint, its
// retryer's lower attempts, the production timeouts applied) and that
// WithClient cannot be combined with either. It sets environment
// variables: t must not be parallel.
func RunNewOptions(t *testing.T, h Harness) {
	f := h.NewFake(t)
	h.Put(f, h.Path, "A")
	h.IsolateEnv(t)

	t.Run("no region is a config error", func(t *testing.T) {
		_, err := h.New(Options{})
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("error %v, want ErrConfig", err)
		}
	})
	t.Run("WithRegion", func(t *testing.T) {
		t.Setenv("AWS_REGION", "us-west-2")
		b := h.mustNew(t, Options{Region: "ap-south-1"})
		if r := h.Inspect(b).Region; r != "ap-south-1" {
			t.Errorf("region %q, want ap-south-1", r)
		}
	})
	t.Run("WithConfig and BaseEndpoint", func(t *testing.T) {
		cfg := aws.Config{
			Region:       "eu-central-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			BaseEndpoint: aws.String(f.URL()),
		}
		b := h.mustNew(t, Options{Config: &cfg})
		if got, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path}); err != nil || got != "A" {
			t.Errorf("Get = %q, %v", got, err)
		}
		if h.Inspect(b).Built == nil {
			t.Error("WithConfig without an HTTP client: production timeouts not applied")
		}
	})
	t.Run("WithConfig retryer with fewer attempts keeps them", func(t *testing.T) {
		f := h.NewFake(t)
		h.InternalError(f)
		cfg := aws.Config{
			Region:       "eu-central-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			BaseEndpoint: aws.String(f.URL()),
			Retryer: func() aws.Retryer {
				return awsretry.NewStandard(func(o *awsretry.StandardOptions) { o.MaxAttempts = 1 })
			},
		}
		b := h.mustNew(t, Options{Config: &cfg})
		if _, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path}); !errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("error %v, want ErrTransient", err)
		}
		if n := f.Requests(h.GetOp); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
	t.Run("WithClient cannot be combined", func(t *testing.T) {
		for _, o := range []Options{{Client: f, Region: "eu-west-1"}, {Client: f, Config: &aws.Config{Region: "x"}}} {
			if _, err := h.New(o); !errors.Is(err, vaultly.ErrConfig) {
				t.Errorf("error %v, want ErrConfig", err)
			}
		}
	})
}

// RunNewEndpointAndRetryModeFromEnvironment checks that AWS_ENDPOINT_URL
// (for every service) and AWS_RETRY_MODE=adaptive are honoured, the
// attempts still capped at 3. It sets environment variables: t must not
// be parallel.
func RunNewEndpointAndRetryModeFromEnvironment(t *testing.T, h Harness) {
	f := h.NewFake(t)
	h.Put(f, h.Path, "A")
	h.IsolateEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", f.URL()) // every service
	t.Setenv("AWS_RETRY_MODE", "adaptive")
	b := h.mustNew(t, Options{})
	if got, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path}); err != nil || got != "A" {
		t.Errorf("Get = %q, %v", got, err)
	}
	c := h.Inspect(b)
	if c.RetryMode != aws.RetryModeAdaptive || c.Retryer.MaxAttempts() != 3 {
		t.Errorf("retry mode %q with %d attempts, want adaptive with 3", c.RetryMode, c.Retryer.MaxAttempts())
	}
}
