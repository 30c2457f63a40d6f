package smtest

import "time"

// WithQuota makes the server enforce an account-wide request quota, as
// Secrets Manager does: a token bucket of burst requests refilled at rps a
// second, shared by GetSecretValue and BatchGetSecretValue (an unsigned or
// unknown request does not count). The service's own quotas are per
// operation (see its quotas page); one shared bucket is the simpler model
// a simulation needs. A request over the quota is answered as the service
// answers it, HTTP 400 with the error code ThrottlingException and the
// message "Rate exceeded", which the SDK retries with backoff (it decodes
// to a smithy.APIError; the service does not model the code); it is
// counted by Requests and by Throttled. The bucket reads the server's
// clock (WithClock), so a simulation in virtual time gets the quota in the
// same time base. Without WithQuota there is no quota. rps must be
// positive and finite and burst at least 1.
func WithQuota(rps float64, burst int) Option {
	return func(s *Server) error { return s.core.SetQuota(rps, burst) }
}

// WithCallLog sets whether the server keeps the log that Calls returns
// (default true). A long simulation with millions of requests turns it
// off to keep memory flat; the counters (Requests, Throttled) and
// WithRequestHook work either way.
func WithCallLog(keep bool) Option {
	return func(s *Server) error {
		s.core.SetCallLog(keep)
		return nil
	}
}

// Request describes one request the server answered, for WithRequestHook.
type Request struct {
	Op        string    // the operation, such as OpBatchGetSecretValue
	At        time.Time // the server's clock (WithClock) when it arrived
	Throttled bool      // refused by the quota of WithQuota
}

// WithRequestHook calls fn for every signed request of a known operation,
// after the quota has decided on it and before it is answered, for example
// to count requests per simulated second. fn is called from many
// goroutines at once and must not call the server's methods that change
// it. A nil fn is an error.
func WithRequestHook(fn func(Request)) Option {
	return func(s *Server) error {
		if fn == nil {
			return s.core.SetRequestHook(nil)
		}
		return s.core.SetRequestHook(func(op string, at time.Time, throttled bool) {
			fn(Request{Op: op, At: at, Throttled: throttled})
		})
	}
}

// Throttled returns how many requests for op the quota of WithQuota
// refused (an empty op counts every operation). Faults injected with
// Throttling are not counted here; Requests counts both.
func (s *Server) Throttled(op string) int { return s.core.Throttled(op) }
