package awsfake

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// InProcess returns an http.RoundTripper that hands each request straight
// to h in the calling goroutine, without a socket, a connection pool or a
// goroutine of its own: the Transport of ssmtest and smtest. The answers,
// faults, quota and counters are the same as over the socket. A
// DropConnection fault (Dropper) fails the request with dropped, an error
// whose text should say "connection reset" so that the SDK retries it.
// Latency faults end when the request's context ends. There is no read or
// connect timeout: bound a request with its context.
func InProcess(h http.Handler, dropped error) http.RoundTripper {
	if dropped == nil {
		dropped = errInProcessDropped
	}
	return inProcess{h: h, dropped: dropped}
}

var errInProcessDropped = errors.New("awsfake: in-process connection reset by the server (DropConnection)")

type inProcess struct {
	h       http.Handler
	dropped error
}

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
	t.h.ServeHTTP(w, in)
	if w.dropped || w.status == 0 {
		// No answer: dropped, or the handler gave up (the request's context
		// ended, or the server closed during a latency).
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, t.dropped
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

// Drop is a DropConnection fault: RoundTrip answers its dropped error.
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
