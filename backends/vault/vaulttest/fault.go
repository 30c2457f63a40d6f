package vaulttest

import (
	"net/http"
	"strings"
	"time"
)

// Fault describes how the server misbehaves for matching requests.
// Faults are checked in the order they were injected; the first that
// matches applies.
type Fault struct {
	// Path limits the fault to KV reads of this path (below the mount),
	// KV LISTs of this folder, or reads of this leased path (AddLeased);
	// empty means every KV read, LIST and leased read.
	Path string
	// Login applies the fault to logins (every auth method) instead of reads.
	Login bool

	// Delay waits before answering (or before serving normally when
	// Status is 0 and Drop is false). A cancelled request stops waiting
	// and gets no answer.
	Delay time.Duration
	// Hold, when non-nil, waits like Delay until it is closed.
	Hold <-chan struct{}

	// Status answers with this HTTP status, such as 403, 412, 429, 500
	// or 503, and Errors (or Vault's usual message for the status).
	Status int
	Errors []string
	// Drop closes the connection without answering.
	Drop bool

	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	f.Path = strings.Trim(f.Path, "/")
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// Seal makes every KV read, LIST, leased read and login answer 503
// "Vault is sealed" until ClearFaults.
func (s *Server) Seal() {
	s.Inject(Fault{Status: http.StatusServiceUnavailable})
	s.Inject(Fault{Login: true, Status: http.StatusServiceUnavailable})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the fault for a request and counts it against Times.
// s.mu must be held.
func (s *Server) takeFault(login bool, path string) *Fault {
	for i, f := range s.faults {
		if f.Login != login || (!login && f.Path != "" && f.Path != path) {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		c := *f
		return &c
	}
	return nil
}

// applyFault runs f and reports whether it answered the request (or the
// request ended), so that the handler must not.
func applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Drop:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		} else {
			panic(http.ErrAbortHandler)
		}
		return true
	case f.Status != 0:
		errs := f.Errors
		if errs == nil {
			errs = []string{defaultMessage(f.Status)}
		}
		writeErrors(w, f.Status, errs...)
		return true
	}
	return false
}

func defaultMessage(status int) string {
	switch status {
	case http.StatusForbidden:
		return "permission denied"
	case http.StatusPreconditionFailed:
		return "required index state not present"
	case http.StatusTooManyRequests:
		return "request path \"secret/data\": rate limit quota exceeded"
	case http.StatusServiceUnavailable:
		return "Vault is sealed"
	case http.StatusInternalServerError:
		return "internal error"
	}
	return strings.ToLower(http.StatusText(status))
}
