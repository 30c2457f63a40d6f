package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
	"github.com/vaultly/vaultly/internal/awsbackendtest"
)

// newBackend starts a server and returns a backend using its client.
func newBackend(t *testing.T, opts ...ssm.Option) (*ssm.Backend, *ssmtest.Server) {
	t.Helper()
	srv := ssmtest.NewServer(t)
	b, err := ssm.New(append([]ssm.Option{ssm.WithClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b, srv
}

// kindName names the sentinel err matches, for table comparisons.
var kindName = awsbackendtest.KindName

func TestGet(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("/app/db/user", "admin")
	srv.Put("/app/db/password", "pw-1")
	srv.Put("/app/db/password", "pw-2")
	srv.Put("/app/db/password", "pw-3")
	if err := srv.LabelVersion("/app/db/password", 2, "prod"); err != nil {
		t.Fatal(err)
	}
	srv.PutSecure("/app/api/key", "sk-live")
	srv.PutStringList("/app/hosts", "a.example", "b.example")

	tests := []struct {
		ref      vaultly.Ref
		want     string
		kind     string
		sdkErr   any // pointer to an SDK error type errors.As must find
		requests int
	}{
		{ref: vaultly.Ref{Path: "/app/db/user"}, want: "admin", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/db/password"}, want: "pw-3", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/db/password", Version: "1"}, want: "pw-1", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/db/password", Version: "prod"}, want: "pw-2", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/api/key"}, want: "sk-live", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/hosts"}, want: "a.example,b.example", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "/app/missing"}, kind: "not_found", sdkErr: new(*types.ParameterNotFound), requests: 1},
		{ref: vaultly.Ref{Path: "/app/db/password", Version: "9"}, kind: "not_found", sdkErr: new(*types.ParameterVersionNotFound), requests: 1},
		{ref: vaultly.Ref{Path: "/app/db/password", Version: "staging"}, kind: "not_found", sdkErr: new(*types.ParameterVersionNotFound), requests: 1},
		{ref: vaultly.Ref{Path: ""}, kind: "config", requests: 0},
		{ref: vaultly.Ref{Path: "/" + strings.Repeat("x", 2048)}, kind: "config", requests: 0},
	}
	for _, tt := range tests {
		t.Run(tt.ref.String(), func(t *testing.T) {
			before := srv.Requests(ssmtest.OpGetParameter)
			got, err := b.Get(t.Context(), tt.ref)
			if k := kindName(err); k != tt.kind {
				t.Fatalf("Get(%v) error %v: kind %s, want %s", tt.ref, err, k, tt.kind)
			}
			if got != tt.want {
				t.Errorf("Get(%v) = %q, want %q", tt.ref, got, tt.want)
			}
			if tt.sdkErr != nil && !errors.As(err, tt.sdkErr) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.sdkErr)
			}
			if n := srv.Requests(ssmtest.OpGetParameter) - before; n != tt.requests {
				t.Errorf("%d GetParameter requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestWithDecryptionFalse(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t, ssm.WithDecryption(false))
	srv.PutSecure("/k", "plain-secret")
	got, err := b.Get(t.Context(), vaultly.Ref{Path: "/k"})
	if err != nil {
		t.Fatal(err)
	}
	if got == "plain-secret" || got == "" {
		t.Errorf("without decryption got %q, want the placeholder ciphertext", got)
	}
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    ssmtest.Fault
		kind     string
		sdkErr   any
		requests int
	}{
		{"500 retried then transient", ssmtest.InternalError(), "transient", new(*types.InternalServerError), 3},
		{"throttled to the end", ssmtest.Throttling(), "transient", new(*types.ThrottlingException), 3},
		{"throttled once, recovered by the SDK", ssmtest.Throttling().Times(1), "ok", nil, 2},
		{"access denied not retried", ssmtest.AccessDenied(), "auth", new(*types.AccessDeniedException), 1},
		{"KMS key unusable", ssmtest.InvalidKeyID(), "auth", new(*types.InvalidKeyId), 1},
		{"unrecognized client", ssmtest.ErrorCode(400, "UnrecognizedClientException", "The security token included in the request is invalid."), "auth", new(smithy.APIError), 1},
		{"expired token", ssmtest.ErrorCode(400, "ExpiredTokenException", "The security token included in the request is expired"), "auth", new(smithy.APIError), 1},
		{"validation", ssmtest.ErrorCode(400, "ValidationException", "bad name"), "config", new(*types.ValidationException), 1},
		{"unknown 400 code", ssmtest.ErrorCode(400, "SomethingNewException", "?"), "transient", new(*smithy.GenericAPIError), 1},
		{"503", ssmtest.ErrorCode(503, "ServiceUnavailable", "later"), "transient", new(smithy.APIError), 3},
		{"dropped connections", ssmtest.DropConnection(), "transient", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			srv.Put("/a", "value-a")
			srv.Inject(tt.fault)
			got, err := b.Get(t.Context(), vaultly.Ref{Path: "/a"})
			if k := kindName(err); k != tt.kind {
				t.Fatalf("error %v: kind %s, want %s", err, k, tt.kind)
			}
			if err == nil && got != "value-a" {
				t.Errorf("got %q, want value-a", got)
			}
			if err != nil && errors.Is(err, context.Canceled) {
				t.Errorf("error %v matches context.Canceled", err)
			}
			if tt.sdkErr != nil && !errors.As(err, tt.sdkErr) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.sdkErr)
			}
			var be *vaultly.BackendError
			if err != nil && (!errors.As(err, &be) || be.Backend != "ssm" || be.Ref.Path != "/a") {
				t.Errorf("error %#v is not a *vaultly.BackendError for ssm /a", err)
			}
			if n := srv.Requests(ssmtest.OpGetParameter); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// readTimeout is the read timeout of the tests that time out (why it is
// not shorter: awsbackendtest.ReadTimeout).
const readTimeout = awsbackendtest.ReadTimeout

func TestErrorsCarryNoValue(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("/a", "very-secret-value")
	srv.Inject(ssmtest.AccessDenied(), "/b")
	_, err := b.GetBatch(t.Context(), []vaultly.Ref{{Path: "/a"}, {Path: "/b"}})
	if err == nil {
		t.Fatal("want an error")
	}
	if s := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(s, "very-secret-value") {
		t.Errorf("error text contains the value: %s", s)
	}
}
