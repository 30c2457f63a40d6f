package smtest

import (
	"net/http"
	"time"
)

// A Fault changes how the server answers the requests it matches: it adds
// latency, answers with an error, or drops the connection. Build one with
// InternalError, Throttling, AccessDenied, DecryptionFailure, ErrorCode,
// DropConnection or Latency, limit it with Times and install it with
// Server.Inject. A fault fails a whole request; FailSecret fails one
// secret of a batch.
type Fault struct {
	status  int           // HTTP status of the error answer; 0 for none
	code    string        // error code, sent as X-Amzn-ErrorType and __type
	message string        // error message
	drop    bool          // close the connection without an answer
	latency time.Duration // wait this long first
	times   int           // requests it applies to; 0 = until cleared
}

// InternalError answers HTTP 500 InternalServiceError, which the SDK
// retries.
func InternalError() Fault {
	return Fault{status: http.StatusInternalServerError, code: "InternalServiceError", message: "An error occurred on the server side."}
}

// Throttling answers HTTP 400 ThrottlingException, which the SDK retries.
func Throttling() Fault {
	return Fault{status: http.StatusBadRequest, code: "ThrottlingException", message: "Rate exceeded"}
}

// AccessDenied answers HTTP 400 AccessDeniedException, which the SDK does
// not retry.
func AccessDenied() Fault {
	return Fault{status: http.StatusBadRequest, code: "AccessDeniedException", message: denyMessage}
}

// DecryptionFailure answers HTTP 400 DecryptionFailure, what the service
// says when the secret's KMS key cannot be used by the caller.
func DecryptionFailure() Fault {
	return Fault{status: http.StatusBadRequest, code: "DecryptionFailure", message: decryptMessage}
}

// ErrorCode answers with any HTTP status and error code, such as
// ErrorCode(400, "ExpiredTokenException", "The security token included in the request is expired").
func ErrorCode(status int, code, message string) Fault {
	return Fault{status: status, code: code, message: message}
}

// DropConnection reads the request and closes the connection without an
// answer. The SDK sees a connection error and retries.
func DropConnection() Fault { return Fault{drop: true} }

// Latency delays the answer by d. The wait ends early when the client
// gives up on the request (its context ends or it times out and closes the
// connection).
func Latency(d time.Duration) Fault { return Fault{latency: d} }

// WithLatency returns a copy of f that also waits d before acting.
func (f Fault) WithLatency(d time.Duration) Fault { f.latency = d; return f }

// Times returns a copy of f that applies to the next n matching requests
// only; n <= 0 means every matching request until ClearFaults.
func (f Fault) Times(n int) Fault { f.times = n; return f }

const (
	denyMessage = "User: arn:aws:iam::" + Account + ":user/smtest is not authorized to perform: " +
		"secretsmanager:GetSecretValue because no identity-based policy allows the secretsmanager:GetSecretValue action"
	decryptMessage = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
)

type installedFault struct {
	Fault
	names map[string]bool // nil: every request
	left  int             // remaining uses when times > 0
}

func (f *installedFault) matches(names []string) bool {
	if f.names == nil {
		return true
	}
	for _, n := range names {
		if f.names[n] {
			return true
		}
	}
	return false
}

// Inject installs f for requests that name any of names (a secret name,
// matched however the request names the secret; for a filtered
// BatchGetSecretValue, a value of its name filter or any secret the
// listing covers), or for every request when no name is given. Faults apply in the order they were injected:
// latencies add up, and the first error or drop decides the answer. Every
// fault that matched a request counts it against its Times.
func (s *Server) Inject(f Fault, names ...string) {
	in := &installedFault{Fault: f, left: f.times}
	if len(names) > 0 {
		in.names = make(map[string]bool, len(names))
		for _, n := range names {
			in.names[n] = true
		}
	}
	s.mu.Lock()
	s.faults = append(s.faults, in)
	s.mu.Unlock()
}

// ClearFaults removes every injected fault and every FailSecret.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	for _, sec := range s.secrets {
		sec.failCode = ""
	}
	s.mu.Unlock()
}

// takeFaults returns what to do for a request naming names, consuming one
// use of every matching fault.
func (s *Server) takeFaults(names []string) (latency time.Duration, failure *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.faults[:0]
	for _, f := range s.faults {
		if f.matches(names) {
			latency += f.latency
			if failure == nil && (f.drop || f.status != 0) {
				ff := f.Fault
				failure = &ff
			}
			if f.times > 0 {
				f.left--
				if f.left == 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	for i := len(kept); i < len(s.faults); i++ {
		s.faults[i] = nil
	}
	s.faults = kept
	return latency, failure
}
