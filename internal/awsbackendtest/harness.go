package awsbackendtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/vaultly/vaultly"
)

// Fake is what the shared tests read of a backend's loopback fake.
type Fake interface {
	URL() string
	Requests(op string) int
	TotalRequests() int
	WaitRequests(ctx context.Context, op string, n int) error
	Close()
}

// Backend is an AWS backend as the shared tests use it.
type Backend interface {
	vaultly.BatchBackend
}

// Options describe the options a test gives the backend's New.
type Options struct {
	Region string      // WithRegion(Region) when not ""
	Config *aws.Config // WithConfig(*Config) when not nil

	// Client, when not nil, is WithClient with the fake's test client,
	// its credentials replaced by Creds when SetCreds (nil: no provider).
	Client      Fake
	SetCreds    bool
	Creds       aws.CredentialsProvider
	ReadTimeout time.Duration // the client's read timeout when not 0

	// NoRegionClient is WithClient with a client that has Creds and no
	// region.
	NoRegionClient bool
}

// Client is what the shared tests check of the client a backend uses.
type Client struct {
	Region    string
	Retryer   aws.Retryer
	RetryMode aws.RetryMode
	Built     *awshttp.BuildableClient // the HTTP client New configured, if any
}

// Harness is one AWS backend and its fake, described for the shared
// tests.
type Harness struct {
	Name        string   // the backend's name in errors: "ssm"
	EndpointEnv string   // the service's endpoint variable: "AWS_ENDPOINT_URL_SSM"
	Path, Other string   // two names valid for the backend: "/a", "/b"
	GetOp       string   // the fake's operation that Get sends
	BatchOp     string   // the fake's operation that a GetBatch of Path sends
	PolicyHint  []string // fragments of the hint of a policy refusal

	NewFake       func(t *testing.T) Fake                    // starts a fake for t
	Put           func(f Fake, name, value string)           // stores a value in f
	InjectCode    func(f Fake, status int, code, msg string) // fails every request of f with code
	InternalError func(f Fake)                               // fails every request of f with HTTP 500
	Latency       func(f Fake, d time.Duration)              // delays every answer of f by d

	New     func(o Options) (Backend, error) // the backend's New with o
	Inspect func(b Backend) Client           // the client b uses
}

// credsHint is the hint every credential failure carries: what to set.
var credsHint = []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "IAM role"}

// IsolateEnv clears every AWS setting New could pick up and points the
// shared config and credentials files at empty files. Tests that call it
// cannot run in parallel (t.Setenv).
func (h Harness) IsolateEnv(t *testing.T) {
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
		"AWS_ENDPOINT_URL", h.EndpointEnv, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_DEFAULTS_MODE", "AWS_CA_BUNDLE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026",
	} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// envFor points the default AWS configuration at f, with static keys.
func (h Harness) envFor(t *testing.T, f Fake) {
	t.Helper()
	h.IsolateEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv(h.EndpointEnv, f.URL())
}

// mustNew is h.New that fails the test on an error.
func (h Harness) mustNew(t *testing.T, o Options) Backend {
	t.Helper()
	b, err := h.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// KindName names the sentinel err matches, for table comparisons: "ok",
// "not_found", "auth", "config", "transient", "canceled", "deadline", or
// "unclassified: " and its text.
func KindName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, vaultly.ErrNotFound):
		return "not_found"
	case errors.Is(err, vaultly.ErrAuth):
		return "auth"
	case errors.Is(err, vaultly.ErrConfig):
		return "config"
	case errors.Is(err, vaultly.ErrTransient):
		return "transient"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return "unclassified: " + err.Error()
}

// CheckAuthError checks that err is one line, ErrAuth and nothing else,
// and carries every hint fragment.
func CheckAuthError(t *testing.T, err error, hint []string) {
	t.Helper()
	if k := KindName(err); k != "auth" {
		t.Fatalf("error %v: kind %s, want auth", err, k)
	}
	if errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("error %v also matches ErrTransient", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, frag := range hint {
		if !strings.Contains(msg, frag) {
			t.Errorf("error %q does not mention %q", msg, frag)
		}
	}
}
