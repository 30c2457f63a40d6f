package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// APIError is an error answer of the service.
type APIError struct {
	Status  int    // HTTP status
	Code    string // error code, sent as X-Amzn-ErrorType and __type
	Message string
}

// BadRequest is an HTTP 400 error answer.
func BadRequest(code, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// throttleError is the service's answer to a request over the quota.
var throttleError = &APIError{Status: http.StatusBadRequest, Code: "ThrottlingException", Message: "Rate exceeded"}

// Begin starts handling a request: it answers 503 and reports false when
// the server is closed; otherwise the caller must call end when done.
func (c *Core[C]) Begin(w http.ResponseWriter) (end func(), ok bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		http.Error(w, c.name+": server closed", http.StatusServiceUnavailable)
		return nil, false
	}
	c.wg.Add(1)
	c.inFlight++
	c.maxIn = max(c.maxIn, c.inFlight)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
		c.wg.Done()
	}, true
}

// Refuse records a request the fake does not implement (as op, with
// call) and answers UnknownOperationException with message.
func (c *Core[C]) Refuse(w http.ResponseWriter, op string, call C, message string) {
	c.Record(op, call)
	c.WriteError(w, BadRequest("UnknownOperationException", "%s", message))
}

// maxBody is the largest request body read.
const maxBody = 1 << 20

// Route decodes a request body of op: the call to record and the
// exchange to Serve, or false for an operation the fake does not
// implement.
type Route[C any] func(op string, body []byte) (call C, x Exchange, ok bool)

// Handle answers one awsJson1_1 request: a request that is not POST /
// with an X-Amz-Target of target followed by an operation is refused and
// recorded as unknownOp; otherwise its body is read and route decodes it.
// An operation route does not implement is refused and recorded as
// newCall(op). newCall also makes the call of unknownOp.
func (c *Core[C]) Handle(w http.ResponseWriter, r *http.Request, target, unknownOp string,
	newCall func(op string) C, route Route[C]) {
	end, ok := c.Begin(w)
	if !ok {
		return
	}
	defer end()

	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), target)
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		c.Refuse(w, unknownOp, newCall(unknownOp), "unknown operation")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return // the client went away
	}
	call, x, ok := route(op, body)
	if !ok {
		c.Refuse(w, op, newCall(op), c.name+" does not implement "+op)
		return
	}
	x.Op = op
	c.Serve(w, r, call, x)
}

// Exchange is a request of an operation the fake implements, decoded.
type Exchange struct {
	Op        string   // set by Handle
	Match     []string // the names injected faults match
	Metered   bool     // counted by the quota and the request hook
	DecodeErr error    // the body is not valid JSON
	Answer    func() (any, *APIError)
}

// Serve answers x as the service would, recorded as call: a request id
// (the fake's name and the serial number); a request without an
// Authorization header is refused (the signature itself is not checked);
// then the quota, the injected faults and latencies (the latency of
// SetLatency added), a body that is not JSON, and last x.Answer, sent as
// awsJson1_1.
func (c *Core[C]) Serve(w http.ResponseWriter, r *http.Request, call C, x Exchange) {
	id := c.Record(x.Op, call)
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("%s-%08d", c.name, id))
	if r.Header.Get("Authorization") == "" {
		// The SDK sends a request unsigned when it has no credentials (nil
		// or aws.AnonymousCredentials); the service refuses it.
		c.WriteError(w, BadRequest("MissingAuthenticationTokenException", "Request is missing Authentication Token"))
		return
	}
	if x.Metered && !c.admit(x.Op) {
		c.WriteError(w, throttleError)
		return
	}

	latency, failure := c.takeFaults(x.Match)
	latency += c.latency
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done(): // the client gave up
			t.Stop()
			return
		case <-c.done:
			t.Stop()
			return
		}
	}
	if failure != nil {
		if failure.Drop {
			c.dropConnection(w)
			return
		}
		c.WriteError(w, failure.Err)
		return
	}
	if x.DecodeErr != nil {
		c.WriteError(w, BadRequest("SerializationException", "request body is not valid JSON"))
		return
	}
	out, apiErr := x.Answer()
	if apiErr != nil {
		c.WriteError(w, apiErr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// Dropper is a ResponseWriter that can drop its connection without an
// answer, as an in-process transport's does.
type Dropper interface {
	http.ResponseWriter
	Drop()
}

func (c *Core[C]) dropConnection(w http.ResponseWriter) {
	if d, ok := w.(Dropper); ok {
		d.Drop()
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(c.name + ": connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

// WriteError writes an error answer as the service does: the code in
// X-Amzn-ErrorType and __type, the text under the fake's message key.
func (c *Core[C]) WriteError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, c.messageKey: e.Message})
}
