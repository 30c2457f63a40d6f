package secretsmanager_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// TestErrorCodes is the classification table: every error code the
// service documents for GetSecretValue and BatchGetSecretValue (as the
// answer to a call, and as an entry of BatchGetSecretValue's Errors), and
// the errors common to all AWS APIs. Each is checked for Get (the code as
// the answer to GetSecretValue), for GetBatch (the code as the answer's
// Errors entry for that secret) and for GetPrefix (the code as the answer
// to the listing).
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   string
		status int
		kind   string
		hint   string // a fragment of the error text
		// retried: the SDK retries the code, so Get makes 3 requests.
		retried bool
	}{
		// GetSecretValue and BatchGetSecretValue, as documented.
		{code: "ResourceNotFoundException", status: 400, kind: "not_found"},
		{code: "InvalidRequestException", status: 400, kind: "not_found", hint: "scheduled for deletion"},
		{code: "DecryptionFailure", status: 400, kind: "auth", hint: "kms:Decrypt"},
		{code: "InvalidParameterException", status: 400, kind: "config"},
		{code: "InternalServiceError", status: 500, kind: "transient", retried: true},
		{code: "InvalidNextTokenException", status: 400, kind: "transient"},
		// Common to all AWS APIs.
		{code: "AccessDeniedException", status: 400, kind: "auth", hint: "secretsmanager:GetSecretValue"},
		{code: "ThrottlingException", status: 400, kind: "transient", retried: true},
		{code: "ValidationException", status: 400, kind: "config"},
		{code: "UnrecognizedClientException", status: 400, kind: "auth", hint: "AWS_PROFILE"},
		{code: "ExpiredTokenException", status: 400, kind: "auth", hint: "AWS_PROFILE"},
		{code: "InvalidSignatureException", status: 400, kind: "auth", hint: "AWS_PROFILE"},
		{code: "IncompleteSignature", status: 400, kind: "auth", hint: "AWS_PROFILE"},
		{code: "MissingAuthenticationTokenException", status: 400, kind: "auth", hint: "AWS_PROFILE"},
		{code: "NotAuthorized", status: 400, kind: "auth", hint: "secretsmanager:GetSecretValue"},
		{code: "OptInRequired", status: 403, kind: "auth", hint: "not subscribed"},
		{code: "InternalFailure", status: 500, kind: "transient", retried: true},
		{code: "ServiceUnavailable", status: 503, kind: "transient", retried: true},
		{code: "SomethingNewException", status: 400, kind: "transient"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			check := func(what string, err error, wantRef vaultly.Ref) {
				t.Helper()
				if k := kindName(err); k != tt.kind {
					t.Errorf("%s: error %v: kind %s, want %s", what, err, k, tt.kind)
				}
				if err == nil {
					return
				}
				if tt.hint != "" && !strings.Contains(err.Error(), tt.hint) {
					t.Errorf("%s: error %q does not mention %q", what, err, tt.hint)
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
					t.Errorf("%s: error %v does not carry the SDK's %s", what, err, tt.code)
				}
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Backend != "secretsmanager" || be.Ref != wantRef {
					t.Errorf("%s: error %#v is not a *vaultly.BackendError for %v", what, err, wantRef)
				}
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Errorf("%s: error is not one line: %q", what, err)
				}
			}

			b, srv := newBackend(t)
			srv.Put("app/a", "value-a")
			srv.Put("app/b", "value-b")
			ref := vaultly.Ref{Path: "app/a"}

			// Get: the code answers GetSecretValue.
			srv.Inject(smtest.ErrorCode(tt.status, tt.code, "refused"), "app/a")
			_, err := b.Get(t.Context(), ref)
			check("Get", err, ref)
			want := 1
			if tt.retried {
				want = 3
			}
			if n := srv.Requests(smtest.OpGetSecretValue); n != want {
				t.Errorf("Get: %d requests, want %d", n, want)
			}

			// GetPrefix: the code answers the listing.
			srv.ClearFaults()
			srv.Inject(smtest.ErrorCode(tt.status, tt.code, "refused"))
			_, err = b.GetPrefix(t.Context(), "app/", 100)
			check("GetPrefix", err, vaultly.Ref{Path: "app/"})
			srv.ClearFaults()

			// GetBatch: the code is app/a's entry in Errors; app/b is found.
			srv.FailSecret("app/a", tt.code)
			got, err := b.GetBatch(t.Context(), []vaultly.Ref{ref, {Path: "app/b"}})
			if v, err := backendkit.BatchResult(vaultly.Ref{Path: "app/b"}, got, err); err != nil || v != "value-b" {
				t.Errorf("GetBatch: app/b = %q, %v", v, err)
			}
			_, err = backendkit.BatchResult(ref, got, err)
			if tt.code == "ResourceNotFoundException" {
				// Absent from the map with no error: BatchResult's own not found.
				if k := kindName(err); k != "not_found" {
					t.Errorf("GetBatch: %v, want not found", err)
				}
				return
			}
			check("GetBatch", err, ref)
		})
	}
}

// A secret a batch names nowhere (neither among the values nor among the
// errors) is read again with GetSecretValue, whose answer decides.
func TestGetBatchUnmentionedFallsBack(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	// A proxy that drops every entry from BatchGetSecretValue's answers.
	proxy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".BatchGetSecretValue") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(`{"SecretValues":[],"Errors":[]}`))
			return
		}
		srv.ServeHTTP(w, r)
	})
	b := backendOn(t, proxy)
	got, err := b.GetBatch(t.Context(), []vaultly.Ref{{Path: "a"}, {Path: "missing"}})
	if v, err := backendkit.BatchResult(vaultly.Ref{Path: "a"}, got, err); err != nil || v != "A" {
		t.Errorf("a = %q, %v; want A", v, err)
	}
	if _, err := backendkit.BatchResult(vaultly.Ref{Path: "missing"}, got, err); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("missing: %v, want not found", err)
	}
	if n := srv.Requests(smtest.OpGetSecretValue); n != 2 {
		t.Errorf("%d GetSecretValue requests, want 2", n)
	}
}
