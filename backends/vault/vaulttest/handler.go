package vaulttest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
)

const (
	errPermissionDenied = "1 error occurred:\n\t* permission denied\n\n"
	errInvalidToken     = "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// envelope is the top level of a Vault answer.
type envelope struct {
	RequestID     string          `json:"request_id"`
	LeaseID       string          `json:"lease_id"`
	Renewable     bool            `json:"renewable"`
	LeaseDuration int             `json:"lease_duration"`
	Data          any             `json:"data"`
	WrapInfo      json.RawMessage `json:"wrap_info"`
	Warnings      json.RawMessage `json:"warnings"`
	Auth          any             `json:"auth"`
	MountType     string          `json:"mount_type,omitempty"`
}

func newEnvelope(data any) envelope {
	return envelope{
		RequestID: newToken()[4:],
		Data:      data,
		WrapInfo:  json.RawMessage("null"),
		Warnings:  json.RawMessage("null"),
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.RawQuery,
		Namespace: r.Header.Get(api.NamespaceHeaderName),
		WrapTTL:   r.Header.Get(wrapTTLHeader),
	})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if idx < len(s.requests) && s.requests[idx].Path == r.URL.Path {
			s.requests[idx].Status = sw.status
		}
		s.mu.Unlock()
	}()

	kvPrefix := "/v1/" + s.mount + "/"
	switch p := r.URL.Path; {
	case isAuthPath(p): // logins, lookup-self, renew-self, unwrap (auth.go)
		s.serveAuth(sw, r)
	case p == "/v1/auth/token/revoke-self":
		if _, ok := s.authorize(sw, r, ""); ok {
			s.RevokeToken(r.Header.Get(api.AuthHeaderName))
			sw.WriteHeader(http.StatusNoContent)
		}
	case p == "/v1/auth/token/revoke":
		if _, ok := s.authorize(sw, r, ""); ok {
			var body struct {
				Token string `json:"token"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			s.RevokeToken(body.Token)
			sw.WriteHeader(http.StatusNoContent)
		}
	case strings.HasPrefix(p, "/v1/sys/internal/ui/mounts/"):
		s.serveMountInfo(sw, r, strings.TrimPrefix(p, "/v1/sys/internal/ui/mounts/"))
	case p == "/v1/sys/leases/revoke":
		s.serveRevoke(sw, r)
	case strings.HasPrefix(p+"/", kvPrefix) && s.rd.kv1: // "/v1/kv/": the mount's root
		s.serveKV1(sw, r, strings.Trim(strings.TrimPrefix(p+"/", kvPrefix), "/"))
	case strings.HasPrefix(p, kvPrefix):
		op, path, _ := strings.Cut(strings.TrimPrefix(p, kvPrefix), "/")
		if op == "metadata" && isList(r) {
			s.serveList(sw, r, strings.Trim(path, "/"))
			return
		}
		s.serveKV(sw, r, op, strings.Trim(path, "/"))
	default:
		if path, ok := s.leasedPath(p); ok {
			s.serveLeased(sw, r, path)
			return
		}
		if _, ok := s.authorize(sw, r, ""); ok {
			writeErrors(sw, http.StatusNotFound, "1 error occurred:\n\t* unsupported path\n\n")
		}
	}
}

// authorize checks the token, and that it may touch the KV path kvPath
// (when not empty). It answers 403 itself when not.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, kvPath string) (*tokenInfo, bool) {
	token := r.Header.Get(api.AuthHeaderName)
	s.mu.Lock()
	info, ok := s.tokens[token]
	if ok && s.expiredLocked(token) { // a login's token past its TTL (auth.go)
		delete(s.tokens, token)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusForbidden, errInvalidToken)
		return nil, false
	}
	for _, prefix := range info.denied {
		if kvPath != "" && strings.HasPrefix(kvPath, prefix) {
			writeErrors(w, http.StatusForbidden, errPermissionDenied)
			return nil, false
		}
	}
	return info, true
}

func (s *Server) serveKV(w http.ResponseWriter, r *http.Request, op, path string) {
	if op == "data" && r.Method == http.MethodGet {
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
	write := r.Method == http.MethodPost || r.Method == http.MethodPut
	switch {
	case op == "data" && r.Method == http.MethodGet:
		s.serveRead(w, r, path)
	case op == "data" && write:
		var body struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Data) == 0 || body.Data[0] != '{' {
			writeErrors(w, http.StatusBadRequest, "no data provided")
			return
		}
		data, err := normalize(body.Data)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "no data provided")
			return
		}
		n := s.putRaw(path, data)
		s.mu.Lock()
		md := s.entries[path].version(n).metadata(n)
		s.mu.Unlock()
		env := newEnvelope(md)
		env.MountType = "kv"
		writeJSON(w, http.StatusOK, env)
	case op == "data" && r.Method == http.MethodDelete:
		s.Delete(path)
		w.WriteHeader(http.StatusNoContent)
	case (op == "delete" || op == "undelete" || op == "destroy") && write:
		versions, ok := parseVersions(r.Body)
		if !ok {
			writeErrors(w, http.StatusBadRequest, "no version number provided")
			return
		}
		switch op {
		case "delete":
			s.Delete(path, versions...)
		case "undelete":
			s.Undelete(path, versions...)
		default:
			s.Destroy(path, versions...)
		}
		w.WriteHeader(http.StatusNoContent)
	case op == "metadata" && r.Method == http.MethodDelete:
		s.DeleteMetadata(path)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErrors(w, http.StatusMethodNotAllowed, "1 error occurred:\n\t* unsupported operation\n\n")
	}
}

// serveRead answers a KV v2 read the way Vault does: 404 {"errors":[]}
// for a missing path or version, 404 with the envelope, null data and the
// metadata for a deleted or destroyed version.
func (s *Server) serveRead(w http.ResponseWriter, r *http.Request, path string) {
	n := 0
	if v := r.URL.Query().Get("version"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			writeErrors(w, http.StatusBadRequest, "1 error occurred:\n\t* error converting input for field \"version\"\n\n")
			return
		}
	}
	s.mu.Lock()
	e := s.entries[path]
	var (
		v   *kvVersion
		md  kvMetadata
		raw json.RawMessage
	)
	if e != nil {
		if v = e.version(n); v != nil {
			if n == 0 {
				n = len(e.versions)
			}
			md = v.metadata(n)
			raw = v.data
		}
	}
	s.mu.Unlock()

	if v == nil {
		writeErrors(w, http.StatusNotFound)
		return
	}
	if md.Destroyed || md.DeletionTime != "" {
		env := newEnvelope(map[string]any{"data": nil, "metadata": md})
		env.MountType = "kv"
		writeJSON(w, http.StatusNotFound, env)
		return
	}
	if ttl := r.Header.Get(wrapTTLHeader); ttl != "" {
		// A wrapped answer: the data stays behind a single-use token
		// (this server never unwraps it).
		env := newEnvelope(nil)
		env.WrapInfo, _ = json.Marshal(map[string]any{
			"token":         newToken(),
			"ttl":           wrapSeconds(ttl),
			"creation_path": s.mount + "/data/" + path,
		})
		writeJSON(w, http.StatusOK, env)
		return
	}
	env := newEnvelope(map[string]any{"data": raw, "metadata": md})
	env.MountType = "kv"
	writeJSON(w, http.StatusOK, env)
}

// wrapTTLHeader asks Vault to wrap the answer for this long.
const wrapTTLHeader = "X-Vault-Wrap-TTL"

// wrapSeconds reads a wrap TTL as Vault does: seconds, or a duration such
// as "5m". An unreadable one counts as 0.
func wrapSeconds(ttl string) int {
	if n, err := strconv.Atoi(ttl); err == nil {
		return n
	}
	d, _ := time.ParseDuration(ttl)
	return int(d.Seconds())
}

// parseVersions reads {"versions":[...]}: the client sends numbers or
// numeric strings, as Vault accepts both.
func parseVersions(r io.Reader) ([]int, bool) {
	var body struct {
		Versions []json.RawMessage `json:"versions"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&body); err != nil || len(body.Versions) == 0 {
		return nil, false
	}
	out := make([]int, 0, len(body.Versions))
	for _, raw := range body.Versions {
		text := strings.Trim(string(raw), `"`)
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}
