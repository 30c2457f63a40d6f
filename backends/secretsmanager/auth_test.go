package secretsmanager_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// credsHint is the hint every credential failure carries: what to set.
var credsHint = []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "IAM role"}

// countingProvider is a credentials provider that fails with err and
// counts how often it was asked.
type countingProvider struct {
	err   error
	calls atomic.Int64
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.calls.Add(1)
	return aws.Credentials{}, p.err
}

// checkAuthError checks that err is one line, ErrAuth and nothing else,
// and carries every hint fragment.
func checkAuthError(t *testing.T, err error, hint []string) {
	t.Helper()
	if k := kindName(err); k != "auth" {
		t.Fatalf("error %v: kind %s, want auth", err, k)
	}
	if errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("error %v also matches ErrTransient", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, h := range hint {
		if !strings.Contains(msg, h) {
			t.Errorf("error %q does not mention %q", msg, h)
		}
	}
}

// A client that cannot get credentials (none configured, anonymous, or a
// provider that fails, for whatever reason) fails every read with ErrAuth
// and a hint of what to set, and is not retried: neither by the SDK's
// retryer nor by backends/retry, which retries ErrTransient only. A
// provider that fails stops the request before it is sent; without any
// provider the SDK sends the request unsigned, and the service's
// MissingAuthenticationTokenException is the answer, once per call.
func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	timeoutErr := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	tests := []struct {
		name     string
		provider func() (aws.CredentialsProvider, *countingProvider)
		unsigned bool // the request is sent without a signature
	}{
		{"no provider", func() (aws.CredentialsProvider, *countingProvider) { return nil, nil }, true},
		{"anonymous", func() (aws.CredentialsProvider, *countingProvider) { return aws.AnonymousCredentials{}, nil }, true},
		{"provider error", func() (aws.CredentialsProvider, *countingProvider) {
			p := &countingProvider{err: errors.New("no credentials in the chain")}
			return aws.NewCredentialsCache(p), p
		}, false},
		{"provider cannot reach its service", func() (aws.CredentialsProvider, *countingProvider) {
			p := &countingProvider{err: dialErr}
			return aws.NewCredentialsCache(p), p
		}, false},
		{"provider times out", func() (aws.CredentialsProvider, *countingProvider) {
			p := &countingProvider{err: timeoutErr}
			return p, p // not cached: asked on every attempt
		}, false},
	}
	type setup struct {
		name string
		// backend builds a backend on srv with the credentials provider.
		backend func(t *testing.T, srv *smtest.Server, creds aws.CredentialsProvider) *secretsmanager.Backend
	}
	setups := []setup{
		{"WithConfig", func(t *testing.T, srv *smtest.Server, creds aws.CredentialsProvider) *secretsmanager.Backend {
			b, err := secretsmanager.New(secretsmanager.WithConfig(aws.Config{
				Region:       "eu-west-1",
				Credentials:  creds,
				BaseEndpoint: aws.String(srv.URL()),
			}))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{"WithClient", func(t *testing.T, srv *smtest.Server, creds aws.CredentialsProvider) *secretsmanager.Backend {
			b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client(func(o *smsdk.Options) { o.Credentials = creds })))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
	for _, st := range setups {
		for _, tt := range tests {
			t.Run(st.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := smtest.NewServer(t)
				srv.Put("a", "value-a")
				creds, counter := tt.provider()
				b := st.backend(t, srv, creds)
				ref := vaultly.Ref{Path: "a"}

				_, err := b.Get(t.Context(), ref)
				checkAuthError(t, err, credsHint)
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Backend != "secretsmanager" || be.Ref != ref {
					t.Errorf("error %#v is not a *vaultly.BackendError for secretsmanager a", err)
				}
				if counter != nil && counter.calls.Load() != 1 {
					t.Errorf("provider asked %d times by one Get, want 1 (not retried)", counter.calls.Load())
				}

				_, err = b.GetBatch(t.Context(), []vaultly.Ref{ref, {Path: "b"}})
				var bErr *vaultly.BatchError
				if !errors.As(err, &bErr) || len(bErr.Errs) != 2 {
					t.Fatalf("GetBatch error %v, want a BatchError for both refs", err)
				}
				for r, e := range bErr.Errs {
					t.Run(r.Path, func(t *testing.T) { checkAuthError(t, e, credsHint) })
				}

				rb, err := retry.New(b, retry.MaxAttempts(3), retry.BaseDelay(time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				before := int64(0)
				if counter != nil {
					before = counter.calls.Load()
				}
				_, err = rb.Get(t.Context(), ref)
				checkAuthError(t, err, credsHint)
				if counter != nil && counter.calls.Load()-before != 1 {
					t.Errorf("provider asked %d times through backends/retry, want 1", counter.calls.Load()-before)
				}
				want := 0
				if tt.unsigned {
					want = 3 // Get, GetBatch and the retry backend's Get: one each
				}
				if n := srv.TotalRequests(); n != want {
					t.Errorf("%d requests reached the server without credentials, want %d", n, want)
				}
			})
		}
	}
}

// The default credential chain with nothing configured (no AWS_* variable,
// empty shared files, no instance metadata service): New succeeds, since
// credentials are looked up on the first read, and that read fails with
// ErrAuth and the hint, without a request and without retries.
func TestNewWithoutCredentials(t *testing.T) {
	srv := smtest.NewServer(t)
	srv.Put("a", "value-a")
	isolateAWSEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL())
	b, err := secretsmanager.New()
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(t.Context(), vaultly.Ref{Path: "a"})
	checkAuthError(t, err, credsHint)

	var cfg struct {
		A string `secret:"a"`
	}
	err = vaultly.LoadContext(t.Context(), &cfg, b)
	checkAuthError(t, err, credsHint)
	t.Logf("Load error: %v", err)
	if n := srv.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached the server without credentials", n)
	}
}

// Credentials the service refuses (expired, unknown, badly signed) and
// policies that refuse the read are ErrAuth with a hint, answered after
// one request (the SDK does not retry them), never ErrTransient.
func TestAuthErrorCodes(t *testing.T) {
	t.Parallel()
	policyHint := []string{"secretsmanager:GetSecretValue"}
	kmsHint := []string{"kms:Decrypt"}
	tests := []struct {
		code   string
		hint   []string
		sdkErr any
	}{
		{"ExpiredToken", credsHint, new(smithy.APIError)},
		{"ExpiredTokenException", credsHint, new(smithy.APIError)},
		{"UnrecognizedClientException", credsHint, new(smithy.APIError)},
		{"InvalidClientTokenId", credsHint, new(smithy.APIError)},
		{"InvalidAccessKeyId", credsHint, new(smithy.APIError)},
		{"InvalidSignatureException", credsHint, new(smithy.APIError)},
		{"SignatureDoesNotMatch", credsHint, new(smithy.APIError)},
		{"IncompleteSignature", credsHint, new(smithy.APIError)},
		{"MissingAuthenticationToken", credsHint, new(smithy.APIError)},
		{"MissingAuthenticationTokenException", credsHint, new(smithy.APIError)},
		{"AuthFailure", credsHint, new(smithy.APIError)},
		{"NotAuthorized", policyHint, new(smithy.APIError)},
		{"AccessDenied", policyHint, new(smithy.APIError)},
		{"AccessDeniedException", policyHint, new(smithy.APIError)}, // not modelled by Secrets Manager
		{"DecryptionFailure", kmsHint, new(*types.DecryptionFailure)},
		{"OptInRequired", []string{"not subscribed"}, new(smithy.APIError)},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			srv.Put("a", "value-a")
			srv.Inject(smtest.ErrorCode(400, tt.code, "refused"))
			_, err := b.Get(t.Context(), vaultly.Ref{Path: "a"})
			checkAuthError(t, err, tt.hint)
			if !errors.As(err, tt.sdkErr) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.sdkErr)
			}
			if n := srv.Requests(smtest.OpGetSecretValue); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
			_, err = b.GetBatch(t.Context(), []vaultly.Ref{{Path: "a"}})
			checkAuthError(t, err, tt.hint)
			if n := srv.Requests(smtest.OpBatchGetSecretValue); n != 1 {
				t.Errorf("%d BatchGetSecretValue requests, want 1 (not retried)", n)
			}
		})
	}
}

// Without a region New fails, naming what to set; a region from
// AWS_DEFAULT_REGION or the shared config file is enough.
func TestNewRegion(t *testing.T) {
	regionHint := []string{"AWS_REGION", "AWS_DEFAULT_REGION", "WithRegion"}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	tests := []struct {
		name   string
		env    map[string]string
		config string // the shared config file
		opts   []secretsmanager.Option
		want   string // the region; "" for the error
	}{
		{name: "nothing", want: ""},
		{name: "AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1"}, want: "eu-west-1"},
		{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "eu-north-1"}, want: "eu-north-1"},
		{name: "shared config", config: "[default]\nregion = ap-south-1\n", want: "ap-south-1"},
		{name: "profile", env: map[string]string{"AWS_PROFILE": "p"}, config: "[profile p]\nregion = sa-east-1\n", want: "sa-east-1"},
		{name: "profile without a region", env: map[string]string{"AWS_PROFILE": "p"}, config: "[profile p]\noutput = json\n", want: ""},
		{name: "WithRegion", opts: []secretsmanager.Option{secretsmanager.WithRegion("us-east-2")}, want: "us-east-2"},
		{name: "WithConfig without a region", opts: []secretsmanager.Option{secretsmanager.WithConfig(aws.Config{Credentials: creds})}, want: ""},
		{name: "WithClient without a region", opts: []secretsmanager.Option{secretsmanager.WithClient(smsdk.New(smsdk.Options{Credentials: creds}))}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSEnv(t)
			if tt.config != "" {
				path := filepath.Join(t.TempDir(), "config")
				if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("AWS_CONFIG_FILE", path)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			b, err := secretsmanager.New(tt.opts...)
			if tt.want == "" {
				if !errors.Is(err, vaultly.ErrConfig) || b != nil {
					t.Fatalf("New = %v, %v; want nil and ErrConfig", b, err)
				}
				for _, h := range regionHint {
					if !strings.Contains(err.Error(), h) {
						t.Errorf("error %q does not mention %q", err, h)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r := b.Client().Options().Region; r != tt.want {
				t.Errorf("region %q, want %q", r, tt.want)
			}
		})
	}
}

// A credential_process whose output cannot be parsed: the SDK's error
// quotes the whole output, keys included; the backend's error must not.
func TestCredentialProcessOutputNotQuoted(t *testing.T) {
	t.Parallel()
	const secretKey = "s3cret-access-key-value"
	srv := smtest.NewServer(t)
	srv.Put("a", "value-a")
	// Version is a string: the JSON does not parse into the SDK's struct.
	out := `{"Version":"1","AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"` + secretKey + `"}`
	creds := aws.NewCredentialsCache(processcreds.NewProvider("echo '" + out + "'"))
	b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client(func(o *smsdk.Options) { o.Credentials = creds })))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(t.Context(), vaultly.Ref{Path: "a"})
	checkAuthError(t, err, credsHint)
	if !strings.Contains(err.Error(), "credential_process") {
		t.Errorf("error %q does not name credential_process", err)
	}
	if strings.Contains(err.Error(), secretKey) {
		t.Errorf("error %q quotes the secret access key", err)
	}
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		t.Errorf("error %#v: the provider's error is not reachable with errors.As", err)
	}
}
