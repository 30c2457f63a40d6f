package ssmtest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
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
func (s *Server) Transport() http.RoundTripper { return inProcess{s} }

// InProcessClient is Client over Transport: the same region, credentials,
// retryer and options, but its requests call the handler directly. Its
// requests are signed like any other. An optFn that sets HTTPClient (such
// as WithReadTimeout) puts it back on the socket.
func (s *Server) InProcessClient(optFns ...func(*ssm.Options)) *ssm.Client {
	hc := &http.Client{Transport: s.Transport()}
	return s.Client(append([]func(*ssm.Options){func(o *ssm.Options) { o.HTTPClient = hc }}, optFns...)...)
}

type inProcess struct{ s *Server }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = in.URL.RequestURI()
	w := &memWriter{header: make(http.Header)}
	t.s.ServeHTTP(w, in)
	if w.dropped || w.status == 0 {
		// No answer: dropped, or the handler gave up (the request's context
		// ended, or the server closed during a latency).
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, errDropped
	}
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// memWriter is the http.ResponseWriter of an in-process request.
type memWriter struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	dropped bool
}

func (w *memWriter) Header() http.Header { return w.header }

// Drop is a DropConnection fault: RoundTrip answers errDropped.
func (w *memWriter) Drop() { w.dropped = true }

func (w *memWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
