package secretsmanager_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
	"github.com/vaultly/vaultly/internal/awsbackendtest"
)

// newBackend starts a server and returns a backend using its client.
func newBackend(t *testing.T, opts ...secretsmanager.Option) (*secretsmanager.Backend, *smtest.Server) {
	t.Helper()
	srv := smtest.NewServer(t)
	b, err := secretsmanager.New(append([]secretsmanager.Option{secretsmanager.WithClient(srv.Client())}, opts...)...)
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
	srv.Put("app/db/user", "admin")
	v1 := srv.Put("app/db/password", "pw-1")
	srv.Put("app/db/password", "pw-2")
	srv.PutStaged("app/db/password", "pw-3", smtest.StagePending)
	srv.PutStaged("app/db/password", "pw-4", "blue")
	srv.PutBinary("app/tls/key", []byte{0, 1, 0xfe, 0xff, '\n'})
	srv.Put("app/db/json", `{"user":"u","port":5432}`)
	srv.Put("app/gone", "x")
	srv.ScheduleDeletion("app/gone")
	arn := srv.ARN("app/db/user")

	tests := []struct {
		ref      vaultly.Ref
		want     string
		kind     string
		sdkErr   any // pointer to an SDK error type errors.As must find
		requests int
	}{
		{ref: vaultly.Ref{Path: "app/db/user"}, want: "admin", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: arn}, want: "admin", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: arn[:len(arn)-7]}, want: "admin", kind: "ok", requests: 1}, // a partial ARN
		{ref: vaultly.Ref{Path: "app/db/password"}, want: "pw-2", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "AWSCURRENT"}, want: "pw-2", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "AWSPREVIOUS"}, want: "pw-1", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "AWSPENDING"}, want: "pw-3", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "blue"}, want: "pw-4", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: v1}, want: "pw-1", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: strings.ToUpper(v1)}, kind: "not_found", sdkErr: new(*types.ResourceNotFoundException), requests: 1},
		{ref: vaultly.Ref{Path: "app/tls/key"}, want: "\x00\x01\xfe\xff\n", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/json", Key: "port"}, want: "5432", kind: "ok", requests: 1},
		{ref: vaultly.Ref{Path: "app/db/json", Key: "nope"}, kind: "not_found", requests: 1},
		{ref: vaultly.Ref{Path: "app/missing"}, kind: "not_found", sdkErr: new(*types.ResourceNotFoundException), requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "green"}, kind: "not_found", sdkErr: new(*types.ResourceNotFoundException), requests: 1},
		{ref: vaultly.Ref{Path: "app/db/password", Version: "00000000-0000-4000-8000-000000000999"}, kind: "not_found",
			sdkErr: new(*types.ResourceNotFoundException), requests: 1},
		{ref: vaultly.Ref{Path: "app/gone"}, kind: "not_found", sdkErr: new(*types.InvalidRequestException), requests: 1},
		{ref: vaultly.Ref{Path: ""}, kind: "config", requests: 0},
		{ref: vaultly.Ref{Path: strings.Repeat("x", 2049)}, kind: "config", requests: 0},
		{ref: vaultly.Ref{Path: "app/db/user", Version: strings.Repeat("x", 257)}, kind: "config", requests: 0},
	}
	for _, tt := range tests {
		name := tt.ref.String()
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			before := srv.Requests(smtest.OpGetSecretValue)
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
			if n := srv.Requests(smtest.OpGetSecretValue) - before; n != tt.requests {
				t.Errorf("%d GetSecretValue requests, want %d", n, tt.requests)
			}
		})
	}
}

// version= is a version id when it has the form of a UUID, else a
// staging label.
func TestIsVersionID(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": false, // the docs' placeholder: not hexadecimal
		"a1b2c3d4-5678-90ab-cdef-0123456789ab": true,
		"A1B2C3D4-5678-90AB-CDEF-0123456789AB": true,
		"AWSCURRENT":                           false,
		"blue":                                 false,
		"a1b2c3d4567890abcdef0123456789ab":     false, // 32 digits without hyphens: a label
		"a1b2c3d4-5678-90ab-cdef-0123456789a":  false,
		"a1b2c3d4-5678-90ab-cdef_0123456789ab": false,
		"":                                     false,
	} {
		if got := secretsmanager.IsVersionID(v); got != want {
			t.Errorf("isVersionID(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestGetFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    smtest.Fault
		kind     string
		sdkErr   any
		requests int
	}{
		{"500 retried then transient", smtest.InternalError(), "transient", new(*types.InternalServiceError), 3},
		{"throttled to the end", smtest.Throttling(), "transient", new(smithy.APIError), 3},
		{"throttled once, recovered by the SDK", smtest.Throttling().Times(1), "ok", nil, 2},
		{"access denied not retried", smtest.AccessDenied(), "auth", new(smithy.APIError), 1},
		{"KMS key unusable", smtest.DecryptionFailure(), "auth", new(*types.DecryptionFailure), 1},
		{"503", smtest.ErrorCode(503, "ServiceUnavailable", "later"), "transient", new(smithy.APIError), 3},
		{"dropped connections", smtest.DropConnection(), "transient", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			srv.Put("a", "value-a")
			srv.Inject(tt.fault)
			got, err := b.Get(t.Context(), vaultly.Ref{Path: "a"})
			if k := kindName(err); k != tt.kind {
				t.Fatalf("error %v: kind %s, want %s", err, k, tt.kind)
			}
			if err == nil && got != "value-a" {
				t.Errorf("got %q, want value-a", got)
			}
			if tt.sdkErr != nil && !errors.As(err, tt.sdkErr) {
				t.Errorf("errors.As(%v, %T) = false", err, tt.sdkErr)
			}
			var be *vaultly.BackendError
			if err != nil && (!errors.As(err, &be) || be.Backend != "secretsmanager" || be.Ref.Path != "a") {
				t.Errorf("error %#v is not a *vaultly.BackendError for secretsmanager a", err)
			}
			if n := srv.Requests(smtest.OpGetSecretValue); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestErrorsCarryNoValue(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("a", "very-secret-value")
	srv.Put("j", `{"k":"very-secret-value"}`)
	srv.Put("d", "x")
	srv.FailSecret("d", "AccessDeniedException")
	refs := []vaultly.Ref{{Path: "a"}, {Path: "d"}, {Path: "j", Key: "missing"}, {Path: "a", Key: "k"}}
	_, err := b.GetBatch(t.Context(), refs)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, ref := range refs {
		_, gerr := b.Get(t.Context(), ref)
		err = errors.Join(err, gerr)
	}
	if s := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(s, "very-secret-value") {
		t.Errorf("error text contains the value: %s", s)
	}
}
