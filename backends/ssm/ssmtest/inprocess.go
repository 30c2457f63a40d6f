package ssmtest

import (
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly/internal/awsfake"
)

// errDropped is what an in-process request gets when a DropConnection
// fault closes its "connection". The SDK retries it like a reset
// connection (its text says so).
var errDropped = errors.New("ssmtest: in-process connection reset by the server (DropConnection)")

// Transport returns an http.RoundTripper that hands each request straight
// to the server's handler in the calling goroutine, without a socket,
// a connection pool or a goroutine of its own. Thousands of simulated
// clients can share one server cheaply through it. The answers, faults,
// quota and counters are the same as over the socket; a DropConnection
// fault fails the request with a "connection reset" error, which the SDK
// retries. Latency faults end when the request's context ends. There is
// no read or connect timeout: bound a request with its context.
func (s *Server) Transport() http.RoundTripper { return awsfake.InProcess(s, errDropped) }

// InProcessClient is Client over Transport: the same region, credentials,
// retryer and options, but its requests call the handler directly. Its
// requests are signed like any other. An optFn that sets HTTPClient (such
// as WithReadTimeout) puts it back on the socket.
func (s *Server) InProcessClient(optFns ...func(*ssm.Options)) *ssm.Client {
	hc := &http.Client{Transport: s.Transport()}
	return s.Client(append([]func(*ssm.Options){func(o *ssm.Options) { o.HTTPClient = hc }}, optFns...)...)
}
