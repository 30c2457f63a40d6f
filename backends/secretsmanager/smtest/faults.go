package smtest

import (
	"net/http"
	"time"

	"github.com/vaultly/vaultly/internal/awsfake"
)

// A Fault changes how the server answers the requests it matches: it adds
// latency, answers with an error, or drops the connection. Build one with
// InternalError, Throttling, AccessDenied, DecryptionFailure, ErrorCode,
// DropConnection or Latency, limit it with Times and install it with
// Server.Inject. A fault fails a whole request; FailSecret fails one
// secret of a batch.
type Fault struct{ f awsfake.Fault }

func errorFault(status int, code, message string) Fault {
	return Fault{awsfake.Fault{Err: &awsfake.APIError{Status: status, Code: code, Message: message}}}
}

// InternalError answers HTTP 500 InternalServiceError, which the SDK
// retries.
func InternalError() Fault {
	return errorFault(http.StatusInternalServerError, "InternalServiceError", "An error occurred on the server side.")
}

// Throttling answers HTTP 400 ThrottlingException, which the SDK retries.
func Throttling() Fault {
	return errorFault(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
}

// AccessDenied answers HTTP 400 AccessDeniedException, which the SDK does
// not retry.
func AccessDenied() Fault {
	return errorFault(http.StatusBadRequest, "AccessDeniedException", denyMessage)
}

// DecryptionFailure answers HTTP 400 DecryptionFailure, what the service
// says when the secret's KMS key cannot be used by the caller.
func DecryptionFailure() Fault {
	return errorFault(http.StatusBadRequest, "DecryptionFailure", decryptMessage)
}

// ErrorCode answers with any HTTP status and error code, such as
// ErrorCode(400, "ExpiredTokenException", "The security token included in the request is expired").
func ErrorCode(status int, code, message string) Fault {
	return errorFault(status, code, message)
}

// DropConnection reads the request and closes the connection without an
// answer. The SDK sees a connection error and retries.
func DropConnection() Fault { return Fault{awsfake.Fault{Drop: true}} }

// Latency delays the answer by d. The wait ends early when the client
// gives up on the request (its context ends or it times out and closes the
// connection).
func Latency(d time.Duration) Fault { return Fault{awsfake.Fault{Latency: d}} }

// WithLatency returns a copy of f that also waits d before acting.
func (f Fault) WithLatency(d time.Duration) Fault { f.f.Latency = d; return f }

// Times returns a copy of f that applies to the next n matching requests
// only; n <= 0 means every matching request until ClearFaults.
func (f Fault) Times(n int) Fault { f.f.Times = n; return f }

const (
	denyMessage = "User: arn:aws:iam::" + Account + ":user/smtest is not authorized to perform: " +
		"secretsmanager:GetSecretValue because no identity-based policy allows the secretsmanager:GetSecretValue action"
	decryptMessage = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
)

// Inject installs f for requests that name any of names (a secret name,
// matched however the request names the secret; for a filtered
// BatchGetSecretValue, a value of its name filter or any secret the
// listing covers), or for every request when no name is given. Faults apply in the order they were injected:
// latencies add up, and the first error or drop decides the answer. Every
// fault that matched a request counts it against its Times.
func (s *Server) Inject(f Fault, names ...string) { s.core.Inject(f.f, names...) }

// ClearFaults removes every injected fault and every FailSecret.
func (s *Server) ClearFaults() {
	s.core.ClearFaults()
	s.mu.Lock()
	for _, sec := range s.secrets {
		sec.failCode = ""
	}
	s.mu.Unlock()
}
