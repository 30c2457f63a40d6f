package awsbackendtest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
)

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

// RunMissingCredentials checks that a client that cannot get credentials
// (none configured, anonymous, or a provider that fails, for whatever
// reason) fails every read with ErrAuth and a hint of what to set, and is
// not retried: neither by the SDK's retryer nor by backends/retry, which
// retries ErrTransient only. A provider that fails stops the request
// before it is sent; without any provider the SDK sends the request
// unsigned, and the service's MissingAuthenticationTokenException is the
// answer, once per call.
func RunMissingCredentials(t *testing.T, h Harness) {
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
	setups := []struct {
		name    string
		options func(f Fake, creds aws.CredentialsProvider) Options
	}{
		{"WithConfig", func(f Fake, creds aws.CredentialsProvider) Options {
			return Options{Config: &aws.Config{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(f.URL())}}
		}},
		{"WithClient", func(f Fake, creds aws.CredentialsProvider) Options {
			return Options{Client: f, SetCreds: true, Creds: creds}
		}},
	}
	for _, st := range setups {
		for _, tt := range tests {
			t.Run(st.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := h.NewFake(t)
				h.Put(f, h.Path, "value-a")
				creds, counter := tt.provider()
				b := h.mustNew(t, st.options(f, creds))
				ref := vaultly.Ref{Path: h.Path}

				_, err := b.Get(t.Context(), ref)
				CheckAuthError(t, err, credsHint)
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Backend != h.Name || be.Ref != ref {
					t.Errorf("error %#v is not a *vaultly.BackendError for %s %s", err, h.Name, h.Path)
				}
				if counter != nil && counter.calls.Load() != 1 {
					t.Errorf("provider asked %d times by one Get, want 1 (not retried)", counter.calls.Load())
				}

				_, err = b.GetBatch(t.Context(), []vaultly.Ref{ref, {Path: h.Other}})
				var bErr *vaultly.BatchError
				if !errors.As(err, &bErr) || len(bErr.Errs) != 2 {
					t.Fatalf("GetBatch error %v, want a BatchError for both refs", err)
				}
				for r, e := range bErr.Errs {
					t.Run(r.Path, func(t *testing.T) { CheckAuthError(t, e, credsHint) })
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
				CheckAuthError(t, err, credsHint)
				if counter != nil && counter.calls.Load()-before != 1 {
					t.Errorf("provider asked %d times through backends/retry, want 1", counter.calls.Load()-before)
				}
				want := 0
				if tt.unsigned {
					want = 3 // Get, GetBatch and the retry backend's Get: one each
				}
				if n := f.TotalRequests(); n != want {
					t.Errorf("%d requests reached the server without credentials, want %d", n, want)
				}
			})
		}
	}
}

// RunNewWithoutCredentials checks the default credential chain with
// nothing configured (no AWS_* variable, empty shared files, no instance
// metadata service): New succeeds, since credentials are looked up on the
// first read, and that read fails with ErrAuth and the hint, without a
// request and without retries. It sets environment variables: t must not
// be parallel.
func RunNewWithoutCredentials(t *testing.T, h Harness) {
	f := h.NewFake(t)
	h.Put(f, h.Path, "value-a")
	h.IsolateEnv(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv(h.EndpointEnv, f.URL())
	b := h.mustNew(t, Options{})
	_, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
	CheckAuthError(t, err, credsHint)

	err = vaultly.LoadContext(t.Context(), configOf(h.Path), b)
	CheckAuthError(t, err, credsHint)
	t.Logf("Load error: %v", err)
	if n := f.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached the server without credentials", n)
	}
}

// AuthCode is an error code the service may answer that the backend
// classifies ErrAuth: the hint fragments its error carries, and a target
// for errors.As that the SDK's error must match (such as
// new(*types.AccessDeniedException)).
type AuthCode struct {
	Code   string
	Hint   []string
	SDKErr any
}

// CommonAuthCodes are the credential and policy refusals every AWS API
// shares, for RunAuthErrorCodes. AccessDeniedException is not among them:
// whether the service models it differs.
func (h Harness) CommonAuthCodes() []AuthCode {
	codes := []AuthCode{
		{"NotAuthorized", h.PolicyHint, new(smithy.APIError)},
		{"AccessDenied", h.PolicyHint, new(smithy.APIError)},
	}
	for _, code := range []string{
		"ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId",
		"InvalidAccessKeyId", "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
		"MissingAuthenticationToken", "MissingAuthenticationTokenException", "AuthFailure",
	} {
		codes = append(codes, AuthCode{code, credsHint, new(smithy.APIError)})
	}
	return codes
}

// RunAuthErrorCodes checks that each code (credentials the service
// refuses, policies that refuse the read) is ErrAuth with its hint,
// answered after one request (the SDK does not retry them), never
// ErrTransient, for Get and for GetBatch.
func RunAuthErrorCodes(t *testing.T, h Harness, codes []AuthCode) {
	for _, tt := range codes {
		t.Run(tt.Code, func(t *testing.T) {
			t.Parallel()
			f := h.NewFake(t)
			b := h.mustNew(t, Options{Client: f})
			h.Put(f, h.Path, "value-a")
			h.InjectCode(f, 400, tt.Code, "refused")
			_, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
			CheckAuthError(t, err, tt.Hint)
			if !errors.As(err, tt.SDKErr) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.SDKErr)
			}
			if n := f.Requests(h.GetOp); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
			_, err = b.GetBatch(t.Context(), []vaultly.Ref{{Path: h.Path}})
			CheckAuthError(t, err, tt.Hint)
			if n := f.Requests(h.BatchOp); n != 1 {
				t.Errorf("%d %s requests, want 1 (not retried)", n, h.BatchOp)
			}
		})
	}
}

// RunNewRegion checks that without a region New fails, naming what to
// set, and that a region from AWS_DEFAULT_REGION or the shared config file
// is enough. It sets environment variables: t must not be parallel.
func RunNewRegion(t *testing.T, h Harness) {
	regionHint := []string{"AWS_REGION", "AWS_DEFAULT_REGION", "WithRegion"}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	tests := []struct {
		name   string
		env    map[string]string
		config string // the shared config file
		opts   Options
		want   string // the region; "" for the error
	}{
		{name: "nothing", want: ""},
		{name: "AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1"}, want: "eu-west-1"},
		{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "eu-north-1"}, want: "eu-north-1"},
		{name: "shared config", config: "[default]\nregion = ap-south-1\n", want: "ap-south-1"},
		{name: "profile", env: map[string]string{"AWS_PROFILE": "p"}, config: "[profile p]\nregion = sa-east-1\n", want: "sa-east-1"},
		{name: "profile without a region", env: map[string]string{"AWS_PROFILE": "p"}, config: "[profile p]\noutput = json\n", want: ""},
		{name: "WithRegion", opts: Options{Region: "us-east-2"}, want: "us-east-2"},
		{name: "WithConfig without a region", opts: Options{Config: &aws.Config{Credentials: creds}}, want: ""},
		{name: "WithClient without a region", opts: Options{NoRegionClient: true, Creds: creds}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.IsolateEnv(t)
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
			b, err := h.New(tt.opts)
			if tt.want == "" {
				if !errors.Is(err, vaultly.ErrConfig) || b != nil {
					t.Fatalf("New = %v, %v; want nil and ErrConfig", b, err)
				}
				for _, frag := range regionHint {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error %q does not mention %q", err, frag)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r := h.Inspect(b).Region; r != tt.want {
				t.Errorf("region %q, want %q", r, tt.want)
			}
		})
	}
}

// RunCredentialProcessOutputNotQuoted checks a credential_process whose
// output cannot be parsed: the SDK's error quotes the whole output, keys
// included; the backend's error must not.
func RunCredentialProcessOutputNotQuoted(t *testing.T, h Harness) {
	const secretKey = "s3cret-access-key-value"
	f := h.NewFake(t)
	h.Put(f, h.Path, "value-a")
	// Version is a string: the JSON does not parse into the SDK's struct.
	out := `{"Version":"1","AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"` + secretKey + `"}`
	creds := aws.NewCredentialsCache(processcreds.NewProvider("echo '" + out + "'"))
	b := h.mustNew(t, Options{Client: f, SetCreds: true, Creds: creds})
	_, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
	CheckAuthError(t, err, credsHint)
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

// configOf returns a pointer to a config struct whose one string field
// reads path.
func configOf(path string) any {
	typ := reflect.StructOf([]reflect.StructField{{
		Name: "A", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`secret:"` + path + `"`),
	}})
	return reflect.New(typ).Interface()
}
