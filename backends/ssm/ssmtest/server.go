package ssmtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly/internal/awsfake"
)

// The operations the server answers, as named in X-Amz-Target
// ("AmazonSSM.GetParameter") and in the request counters.
const (
	OpGetParameter        = "GetParameter"
	OpGetParameters       = "GetParameters"
	OpGetParametersByPath = "GetParametersByPath"
	// OpUnknown counts requests that are not POST / with an AmazonSSM target.
	OpUnknown = "Unknown"
)

// Region is the region the server claims to be in; Client uses it.
const Region = "us-east-1"

// Call records one request: its operation and the names it asked for, as
// sent (with selectors); for GetParametersByPath the path.
type Call struct {
	Op    string
	Names []string
}

// Server is a fake Parameter Store on 127.0.0.1. It is safe for concurrent
// use. Create it with NewServer (in a test) or New.
type Server struct {
	core   *awsfake.Core[Call] // listener, counters, call log, faults, quota, clock
	region string

	mu     sync.Mutex
	params map[string]*param
	pages  awsfake.Pages // GetParametersByPath paging, WithPageSizes
}

// Option configures New and NewServer.
type Option func(*Server) error

// WithClock sets the server's clock (default time.Now): the
// LastModifiedDate of the versions Put stores, the quota of WithQuota and
// the time WithRequestHook reports. A nil clock is an error. It must be
// safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error { return s.core.SetClock(now) }
}

// WithPageSizes makes GetParametersByPath answer short pages, as the
// service may: the n-th page the server answers (counting every listing)
// holds at most sizes[n%len(sizes)] parameters (and never more than the
// request's MaxResults), with a NextToken while more remain. A size of 0
// is an empty page with a NextToken. Sizes must be 0 to MaxResultsPerPage
// and not all 0.
func WithPageSizes(sizes ...int) Option {
	return func(s *Server) error { return s.pages.SetSizes(sizes) }
}

// NewServer starts a server with New and closes it when the test ends. It
// fails the test if New fails. Helpers such as Put fail the test on
// misuse.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("ssmtest: %v", err)
	}
	s.core.SetTest(t)
	t.Cleanup(s.Close)
	return s
}

// New starts a server on a free port of 127.0.0.1, for use outside a test
// (examples, demos); call Close when done. Helpers such as Put panic on
// misuse. It fails when an option is given an invalid value or the server
// cannot listen. Nil options are ignored.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		core:   awsfake.NewCore[Call]("ssmtest", "message"),
		region: Region,
		params: make(map[string]*param),
		pages:  awsfake.NewPages("ssmtest", MaxResultsPerPage),
	}
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := s.core.Start(s); err != nil {
		return nil, err
	}
	return s, nil
}

// URL is the server's base URL, such as "http://127.0.0.1:41234", for
// ssm.Options.BaseEndpoint or AWS_ENDPOINT_URL_SSM.
func (s *Server) URL() string { return s.core.URL() }

// Close ends every injected latency, closes all connections and waits for
// the handlers to return. It is safe to call more than once.
func (s *Server) Close() { s.core.Close() }

// Requests returns how many requests for op arrived, whatever they were
// answered with (faults included).
func (s *Server) Requests(op string) int { return s.core.Requests(op) }

// TotalRequests returns how many requests arrived, for any operation.
func (s *Server) TotalRequests() int { return s.core.TotalRequests() }

// Calls returns every request received so far, in arrival order (none
// with WithCallLog(false)).
func (s *Server) Calls() []Call {
	return s.core.Calls(func(c Call) Call {
		return Call{Op: c.Op, Names: append([]string(nil), c.Names...)}
	})
}

// MaxInFlight returns the largest number of requests the server was
// handling at the same time.
func (s *Server) MaxInFlight() int { return s.core.MaxInFlight() }

// ResetCounts sets the request and throttle counters and MaxInFlight to
// zero and forgets the calls.
func (s *Server) ResetCounts() { s.core.ResetCounts() }

// WaitRequests blocks until at least n requests for op have arrived (an
// empty op counts every operation) or ctx ends, whichever is first. Use it
// to act while a request is held by an injected latency.
func (s *Server) WaitRequests(ctx context.Context, op string, n int) error {
	return s.core.WaitRequests(ctx, op, n)
}
