package vaulttest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// readState is the server's state beyond KV v2 reads: the KV version of
// the mount, LIST counts and leased secret engines. Guarded by Server.mu.
type readState struct {
	kv1         bool
	lists       map[string]int           // LIST requests by folder below the mount
	leased      map[string]*leasedSecret // by logical path, such as database/creds/app
	leasedReads map[string]int
	leases      []*Lease
}

// leasedSecret is a path whose every read issues a new secret with a new
// lease.
type leasedSecret struct {
	ttl    time.Duration
	issue  func(n int) map[string]any
	issued int
}

// Lease is one lease a leased read handed out, as listed by Leases.
type Lease struct {
	ID      string        // such as database/creds/app/3f2a...
	Path    string        // the logical path read
	TTL     time.Duration // the lease duration answered
	Issued  time.Time     // in the server's clock
	Revoked bool          // revoked through sys/leases/revoke
}

// WithKVVersion sets the KV version of the server's mount: 2 (the
// default) or 1. A KV v1 mount keeps one value per path (a write replaces
// it, Delete removes it, Destroy and Undelete do nothing), is read at
// GET /v1/<mount>/<path> and listed at LIST /v1/<mount>/<folder>/, and
// answers the version check (sys/internal/ui/mounts) with version 1.
func WithKVVersion(v int) Option {
	return func(s *Server) error {
		if v != 1 && v != 2 {
			return fmt.Errorf("vaulttest: WithKVVersion(%d): want 1 or 2", v)
		}
		s.rd.kv1 = v == 1
		return nil
	}
}

// KVVersion returns the KV version of the server's mount (1 or 2).
func (s *Server) KVVersion() int {
	if s.rd.kv1 {
		return 1
	}
	return 2
}

// Lists returns how many LIST requests of folder (below the mount, ""
// for its root; any outcome, retries included) the server received.
func (s *Server) Lists(folder string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rd.lists[strings.Trim(folder, "/")]
}

// AddLeased makes every GET /v1/<path> issue a new secret, issue(n) for
// the n-th read (1, 2, ...), with a new renewable lease of ttl (a whole
// number of seconds), as a dynamic secrets engine does. path is a full
// logical path outside the KV mount, such as "database/creds/app".
// Faults apply to these reads with Fault.Path set to path.
func (s *Server) AddLeased(path string, ttl time.Duration, issue func(n int) map[string]any) {
	if s.t != nil {
		s.t.Helper()
	}
	path = strings.Trim(path, "/")
	if path == "" || issue == nil || ttl < 0 || path == s.mount || strings.HasPrefix(path, s.mount+"/") {
		s.fatalf("vaulttest: AddLeased(%q): want a path outside the KV mount, a function and a TTL of 0 or more", path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rd.leased == nil {
		s.rd.leased = make(map[string]*leasedSecret)
	}
	s.rd.leased[path] = &leasedSecret{ttl: ttl.Truncate(time.Second), issue: issue}
}

// AddDatabaseRole is AddLeased for database/creds/<role>, the way the
// database secrets engine answers: each read issues a new user name
// ("v-<role>-<n>") and a random password, with a lease of ttl.
func (s *Server) AddDatabaseRole(role string, ttl time.Duration) {
	if s.t != nil {
		s.t.Helper()
	}
	s.AddLeased("database/creds/"+role, ttl, func(n int) map[string]any {
		return map[string]any{"username": fmt.Sprintf("v-%s-%d", role, n), "password": randomHex(16)}
	})
}

// LeasedReads returns how many reads of the leased path the server
// received (any outcome, retries included).
func (s *Server) LeasedReads(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rd.leasedReads[strings.Trim(path, "/")]
}

// Leases returns every lease handed out so far, in order.
func (s *Server) Leases() []Lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Lease, len(s.rd.leases))
	for i, l := range s.rd.leases {
		out[i] = *l
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isList reports whether r is a LIST: the LIST method, or GET ?list=true
// as the client sends it.
func isList(r *http.Request) bool {
	return r.Method == "LIST" || (r.Method == http.MethodGet && r.URL.Query().Get("list") == "true")
}

// serveList answers a LIST of folder (below the mount) the way Vault
// does: the names directly in it, sub-folders with a trailing "/", sorted;
// 404 {"errors":[]} when there is nothing. KV v2 lists every path that
// has metadata, so a path whose versions are all deleted is listed.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, folder string) {
	s.mu.Lock()
	if s.rd.lists == nil {
		s.rd.lists = make(map[string]int)
	}
	s.rd.lists[folder]++
	f := s.takeFault(false, folder)
	s.mu.Unlock()
	if applyFault(w, r, f) {
		return
	}
	if _, ok := s.authorize(w, r, folder); !ok {
		return
	}
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	s.mu.Lock()
	var keys []string
	for path := range s.entries {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok || rest == "" {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		if !slices.Contains(keys, rest) {
			keys = append(keys, rest)
		}
	}
	s.mu.Unlock()
	if len(keys) == 0 {
		writeErrors(w, http.StatusNotFound)
		return
	}
	slices.Sort(keys)
	env := newEnvelope(map[string]any{"keys": keys})
	env.MountType = "kv"
	writeJSON(w, http.StatusOK, env)
}

// serveKV1 answers the KV v1 endpoints: read, list, write, delete.
func (s *Server) serveKV1(w http.ResponseWriter, r *http.Request, path string) {
	if isList(r) {
		s.serveList(w, r, path)
		return
	}
	if r.Method == http.MethodGet {
		s.mu.Lock()
		s.reads[path]++
		f := s.takeFault(false, path)
		s.mu.Unlock()
		if applyFault(w, r, f) {
			return
		}
	}
	if _, ok := s.authorize(w, r, path); !ok {
		return
	}
	if path == "" {
		writeErrors(w, http.StatusNotFound, "1 error occurred:\n\t* unsupported path\n\n")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		var raw json.RawMessage
		if e := s.entries[path]; e != nil {
			if v := e.version(0); v != nil {
				raw = v.data
			}
		}
		s.mu.Unlock()
		if raw == nil {
			writeErrors(w, http.StatusNotFound)
			return
		}
		env := newEnvelope(raw)
		env.LeaseDuration = kv1TTL
		env.MountType = "kv"
		writeJSON(w, http.StatusOK, env)
	case http.MethodPost, http.MethodPut:
		var body json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body) == 0 || body[0] != '{' {
			writeErrors(w, http.StatusBadRequest, "no data provided")
			return
		}
		data, err := normalize(body)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "no data provided")
			return
		}
		s.putRaw(path, data)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		s.Delete(path)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErrors(w, http.StatusMethodNotAllowed, "1 error occurred:\n\t* unsupported operation\n\n")
	}
}

// kv1TTL is the lease_duration of a KV v1 read: Vault's default lease
// TTL (768h), a refresh hint without a lease id.
const kv1TTL = 2764800

// serveMountInfo answers GET sys/internal/ui/mounts/<path>, which the
// vault CLI and the backend ask for a mount's KV version.
func (s *Server) serveMountInfo(w http.ResponseWriter, r *http.Request, path string) {
	if _, ok := s.authorize(w, r, ""); !ok {
		return
	}
	path = strings.Trim(path, "/")
	if path != s.mount && !strings.HasPrefix(path, s.mount+"/") {
		writeErrors(w, http.StatusForbidden, fmt.Sprintf("preflight capability check returned 403, please ensure client's policies grant access to path %q", path+"/"))
		return
	}
	version := "2"
	if s.rd.kv1 {
		version = "1"
	}
	env := map[string]any{
		"request_id": newToken()[4:], "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": map[string]any{
			"accessor":    "kv_" + randomHex(4),
			"config":      map[string]any{"default_lease_ttl": kv1TTL, "force_no_cache": false, "max_lease_ttl": kv1TTL},
			"description": "", "external_entropy_access": false, "local": false,
			"options": map[string]string{"version": version}, "path": s.mount + "/",
			"plugin_version": "", "running_plugin_version": "v0.25.0+builtin", "running_sha256": "",
			"seal_wrap": false, "type": "kv", "uuid": randomHex(16),
		},
		"wrap_info": nil, "warnings": nil, "auth": nil, "mount_type": "",
	}
	writeJSON(w, http.StatusOK, env)
}

// leasedPath returns the leased path an URL path reads, if any.
func (s *Server) leasedPath(urlPath string) (string, bool) {
	p, ok := strings.CutPrefix(urlPath, "/v1/")
	if !ok {
		return "", false
	}
	p = strings.Trim(p, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok = s.rd.leased[p]
	return p, ok
}

// serveLeased answers a read of a leased path with a new secret and a new
// lease.
func (s *Server) serveLeased(w http.ResponseWriter, r *http.Request, path string) {
	s.mu.Lock()
	if s.rd.leasedReads == nil {
		s.rd.leasedReads = make(map[string]int)
	}
	s.rd.leasedReads[path]++
	f := s.takeFault(false, path)
	s.mu.Unlock()
	if applyFault(w, r, f) {
		return
	}
	if _, ok := s.authorize(w, r, ""); !ok {
		return
	}
	if r.Method != http.MethodGet || isList(r) {
		writeErrors(w, http.StatusMethodNotAllowed, "1 error occurred:\n\t* unsupported operation\n\n")
		return
	}
	s.mu.Lock()
	ls := s.rd.leased[path]
	ls.issued++
	n := ls.issued
	lease := &Lease{ID: path + "/" + randomHex(12), Path: path, TTL: ls.ttl, Issued: s.now()}
	s.rd.leases = append(s.rd.leases, lease)
	s.mu.Unlock()
	data := ls.issue(n) // outside the lock: it may call the server
	env := newEnvelope(data)
	env.LeaseID = lease.ID
	env.Renewable = true
	env.LeaseDuration = int(ls.ttl / time.Second)
	env.MountType = path[:strings.IndexByte(path+"/", '/')]
	writeJSON(w, http.StatusOK, env)
}

// serveRevoke answers PUT sys/leases/revoke {"lease_id": ...}: 204, also
// for a lease it does not know, as Vault does.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r, ""); !ok {
		return
	}
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		writeErrors(w, http.StatusMethodNotAllowed, "1 error occurred:\n\t* unsupported operation\n\n")
		return
	}
	var body struct {
		LeaseID string `json:"lease_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.LeaseID == "" {
		writeErrors(w, http.StatusBadRequest, "lease_id must be specified")
		return
	}
	s.mu.Lock()
	for _, l := range s.rd.leases {
		if l.ID == body.LeaseID {
			l.Revoked = true
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
