package vaulttest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// Server is a loopback KV v2 server. Its methods are safe for concurrent
// use, also while requests are being served.
type Server struct {
	t     testing.TB
	srv   *httptest.Server
	mount string
	root  string
	now   func() time.Time

	mu       sync.Mutex
	entries  map[string]*kvEntry
	tokens   map[string]*tokenInfo
	roles    map[string]*appRole
	faults   []*Fault
	reads    map[string]int
	logins   int
	requests []Request
	closers  []func()
	auth     authState // logins, token TTLs, wrapping (auth.go)
	rd       readState // KV v1, LIST counts, leased secrets (engines.go)
}

// Request is one request the server received, as recorded by Requests.
type Request struct {
	Method    string
	Path      string // URL path, such as /v1/secret/data/db/prod
	Query     string // raw query, such as version=2
	Namespace string // X-Vault-Namespace header
	WrapTTL   string // X-Vault-Wrap-TTL header: the client asked for a wrapped answer
	Status    int    // the status answered; 0 for a dropped connection
}

type tokenInfo struct {
	denied []string // KV path prefixes this token may not touch
}

type appRole struct {
	secretID string
	denied   []string
}

// Option configures New and NewServer.
type Option func(*Server) error

// WithMount sets the KV v2 mount path the server serves (default
// "secret"). Leading and trailing slashes are dropped; an empty mount is
// an error.
func WithMount(mount string) Option {
	return func(s *Server) error {
		m := strings.Trim(mount, "/")
		if m == "" {
			return fmt.Errorf("vaulttest: WithMount(%q): empty mount", mount)
		}
		s.mount = m
		return nil
	}
}

// WithRootToken sets the root token (default: a random one). An empty
// token is an error.
func WithRootToken(token string) Option {
	return func(s *Server) error {
		if token == "" {
			return errors.New("vaulttest: WithRootToken: empty token")
		}
		s.root = token
		return nil
	}
}

// WithClock sets the clock used for created_time and deletion_time
// (default time.Now). A nil clock is an error.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error {
		if now == nil {
			return errors.New("vaulttest: WithClock: nil clock")
		}
		s.now = now
		return nil
	}
}

// NewServer starts a server with New and stops it when the test ends. It
// fails the test if New fails. Helpers such as Put fail the test on
// misuse.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// New starts a server on 127.0.0.1, for use outside a test (examples,
// demos); call Close when done. Helpers such as Put panic on misuse. It
// fails when an option is given an invalid value. Nil options are
// ignored.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		mount:   "secret",
		now:     time.Now,
		entries: make(map[string]*kvEntry),
		tokens:  make(map[string]*tokenInfo),
		roles:   make(map[string]*appRole),
		reads:   make(map[string]int),
		auth:    newAuthState(),
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
	if s.root == "" {
		s.root = newToken()
	}
	s.tokens[s.root] = &tokenInfo{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s, nil
}

// Close stops the server and closes the idle connections of the clients
// it made.
func (s *Server) Close() {
	s.srv.Close()
	s.mu.Lock()
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	for _, c := range closers {
		c()
	}
}

// fatalf fails the test, or panics for a server from New.
func (s *Server) fatalf(format string, args ...any) {
	if s.t != nil {
		s.t.Helper()
		s.t.Fatalf(format, args...)
	}
	panic(fmt.Sprintf(format, args...))
}

// URL returns the server's address, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.srv.URL }

// Mount returns the KV v2 mount path the server serves.
func (s *Server) Mount() string { return s.mount }

// RootToken returns a token that may read and write everything.
func (s *Server) RootToken() string { return s.root }

// Client returns a new client for the server, holding the root token, with
// fast retries (2 retries, 1 to 5 ms apart) and a 10 s timeout. It ignores
// VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS.
func (s *Server) Client() *api.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	s.mu.Lock()
	s.closers = append(s.closers, transport.CloseIdleConnections)
	s.mu.Unlock()
	c, err := api.NewClient(&api.Config{
		Address:      s.srv.URL,
		HttpClient:   &http.Client{Transport: transport},
		MaxRetries:   2,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 5 * time.Millisecond,
		Timeout:      10 * time.Second,
	})
	if err != nil {
		s.fatalf("vaulttest: client: %v", err)
	}
	c.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	c.SetToken(s.root)
	return c
}

// IssueToken creates a token that may read and write everything except
// the KV paths starting with one of denied (paths below the mount, such as
// "admin/").
func (s *Server) IssueToken(denied ...string) string {
	token := newToken()
	s.mu.Lock()
	s.tokens[token] = &tokenInfo{denied: trimAll(denied)}
	s.mu.Unlock()
	return token
}

// RevokeToken makes token invalid: requests carrying it get 403.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
}

// AddAppRole lets POST /v1/auth/approle/login with role_id and secret_id
// issue tokens, denied the KV paths starting with one of denied.
func (s *Server) AddAppRole(roleID, secretID string, denied ...string) {
	s.mu.Lock()
	s.roles[roleID] = &appRole{secretID: secretID, denied: trimAll(denied)}
	s.mu.Unlock()
}

// Reads returns how many KV v2 reads of path (below the mount, any version,
// any outcome, retries included) the server received.
func (s *Server) Reads(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[strings.Trim(path, "/")]
}

// TotalReads returns how many KV v2 reads the server received.
func (s *Server) TotalReads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.reads {
		n += c
	}
	return n
}

// Logins returns how many logins (approle, kubernetes, aws) the server
// received.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetCounts forgets the requests, reads, lists, leased reads and logins
// counted so far (not the leases handed out).
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads = make(map[string]int)
	s.rd.lists, s.rd.leasedReads = nil, nil
	s.logins = 0
	s.auth.renewals, s.auth.lookups = 0, 0
	s.requests = nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "hvs." + hex.EncodeToString(b[:])
}

func trimAll(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimLeft(p, "/")
	}
	return out
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeErrors answers with Vault's error shape.
func writeErrors(w http.ResponseWriter, status int, errs ...string) {
	if errs == nil {
		errs = []string{}
	}
	writeJSON(w, status, map[string]any{"errors": errs})
}
