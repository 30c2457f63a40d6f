package vaulttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
)

// Logins, token TTLs and response wrapping.
//
// Every login (approle, kubernetes, aws: POST /v1/auth/<mount>/login, at
// any mount, the method told by the body) issues a renewable token with
// the TTL and max TTL of WithTokenTTL, counted in the server's clock
// (WithClock), so a test can run weeks of token life in virtual time.
// auth/token/lookup-self and auth/token/renew-self answer as Vault does;
// an expired token is refused with 403 like a revoked one. Tokens from
// IssueToken and the root token never expire.

// Default TTLs of the tokens logins issue.
const (
	DefaultTokenTTL    = time.Hour
	DefaultTokenMaxTTL = 768 * time.Hour // Vault's default max TTL, 32 days
)

// authState is the server's login and token-lifetime state, guarded by
// Server.mu.
type authState struct {
	ttl, maxTTL time.Duration
	lives       map[string]*tokenLife // tokens with a TTL
	kubeRoles   map[string]*kubeRole
	awsRoles    map[string]*awsRole
	awsServerID string
	wrapped     map[string]map[string]any // wrapping token -> data
	renewals    int
	lookups     int
}

type tokenLife struct {
	issued, expires, maxExpires time.Time
	ttl                         time.Duration // creation TTL: a renewal's default increment
	renewable                   bool
	role                        string
}

type kubeRole struct {
	jwt    string
	denied []string
}

func newAuthState() authState {
	return authState{
		ttl:       DefaultTokenTTL,
		maxTTL:    DefaultTokenMaxTTL,
		lives:     make(map[string]*tokenLife),
		kubeRoles: make(map[string]*kubeRole),
		awsRoles:  make(map[string]*awsRole),
		wrapped:   make(map[string]map[string]any),
	}
}

// WithTokenTTL sets the TTL and the max TTL of the tokens logins issue
// (default DefaultTokenTTL and DefaultTokenMaxTTL). A renewal extends a
// token by its TTL (or the increment asked for), never past its max TTL
// from its login. Both must be positive and ttl at most maxTTL.
func WithTokenTTL(ttl, maxTTL time.Duration) Option {
	return func(s *Server) error {
		if ttl < time.Second || maxTTL < ttl {
			return fmt.Errorf("vaulttest: WithTokenTTL(%s, %s): want 1s <= ttl <= maxTTL", ttl, maxTTL)
		}
		s.auth.ttl, s.auth.maxTTL = ttl, maxTTL
		return nil
	}
}

// expiredLocked reports whether token has a TTL that has run out. s.mu
// must be held.
func (s *Server) expiredLocked(token string) bool {
	life, ok := s.auth.lives[token]
	return ok && !s.now().Before(life.expires)
}

// issueLoginTokenLocked creates a token for a login as role and returns
// the auth block of the answer. s.mu must be held.
func (s *Server) issueLoginTokenLocked(role string, denied []string) map[string]any {
	token := newToken()
	now := s.now()
	s.tokens[token] = &tokenInfo{denied: denied}
	s.auth.lives[token] = &tokenLife{
		issued: now, expires: now.Add(s.auth.ttl), maxExpires: now.Add(s.auth.maxTTL),
		ttl: s.auth.ttl, renewable: true, role: role,
	}
	return authBlock(token, role, s.auth.ttl, true)
}

func authBlock(token, role string, ttl time.Duration, renewable bool) map[string]any {
	return map[string]any{
		"client_token":    token,
		"accessor":        newToken()[4:],
		"policies":        []string{"default"},
		"token_policies":  []string{"default"},
		"metadata":        map[string]string{"role_name": role},
		"lease_duration":  int(ttl / time.Second),
		"renewable":       renewable,
		"entity_id":       "",
		"token_type":      "service",
		"orphan":          true,
		"mfa_requirement": nil,
		"num_uses":        0,
	}
}

// isAuthPath reports whether serveAuth answers path.
func isAuthPath(path string) bool {
	switch path {
	case "/v1/auth/token/lookup-self", "/v1/auth/token/renew-self", "/v1/sys/wrapping/unwrap":
		return true
	}
	mount, ok := strings.CutPrefix(path, "/v1/auth/")
	if !ok {
		return false
	}
	mount, ok = strings.CutSuffix(mount, "/login")
	return ok && mount != "" && mount != "token"
}

// serveAuth answers logins, lookup-self, renew-self and unwrap.
func (s *Server) serveAuth(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/auth/token/lookup-self":
		s.serveLookupSelf(w, r)
	case "/v1/auth/token/renew-self":
		s.serveRenewSelf(w, r)
	case "/v1/sys/wrapping/unwrap":
		s.serveUnwrap(w, r)
	default:
		s.serveLogin(w, r)
	}
}

// serveLogin answers POST /v1/auth/<mount>/login, for approle (role_id),
// kubernetes (jwt) and aws (iam_http_request_method) bodies.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.logins++
	f := s.takeFault(true, "")
	s.mu.Unlock()
	if applyFault(w, r, f) {
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeErrors(w, http.StatusMethodNotAllowed)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "failed to parse JSON input")
		return
	}
	str := func(k string) string { v, _ := body[k].(string); return v }
	var (
		auth map[string]any
		msg  string
	)
	switch {
	case body["role_id"] != nil:
		auth, msg = s.appRoleLogin(str("role_id"), str("secret_id"))
	case body["jwt"] != nil:
		auth, msg = s.kubernetesLogin(str("role"), str("jwt"))
	case body["iam_http_request_method"] != nil:
		auth, msg = s.awsLogin(str("role"), str("iam_http_request_method"), str("iam_request_url"),
			str("iam_request_headers"), str("iam_request_body"))
	default:
		msg = "missing role_id, jwt or iam_http_request_method"
	}
	if auth == nil {
		writeErrors(w, http.StatusBadRequest, msg)
		return
	}
	env := newEnvelope(nil)
	env.Auth = auth
	writeAuthJSON(w, env, "")
}

// writeAuthJSON answers 200 with env and mount_type, which Vault sends
// with every auth answer, empty for a login.
func writeAuthJSON(w http.ResponseWriter, env envelope, mountType string) {
	raw, _ := json.Marshal(env)
	var top map[string]json.RawMessage
	_ = json.Unmarshal(raw, &top)
	top["mount_type"], _ = json.Marshal(mountType)
	writeJSON(w, http.StatusOK, top)
}

// AddKubernetesRole lets a kubernetes login as role with the
// service-account token jwt issue tokens, denied the KV paths starting
// with one of denied. Calling it again for role replaces the accepted
// token: the old one is refused, as a rotated projected token would be.
func (s *Server) AddKubernetesRole(role, jwt string, denied ...string) {
	s.mu.Lock()
	s.auth.kubeRoles[role] = &kubeRole{jwt: jwt, denied: trimAll(denied)}
	s.mu.Unlock()
}

func (s *Server) kubernetesLogin(role, jwt string) (map[string]any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kr, ok := s.auth.kubeRoles[role]
	switch {
	case !ok:
		return nil, fmt.Sprintf("invalid role name %q", role)
	case jwt != kr.jwt:
		return nil, "permission denied"
	}
	return s.issueLoginTokenLocked(role, kr.denied), ""
}

// serveLookupSelf answers auth/token/lookup-self.
func (s *Server) serveLookupSelf(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r, ""); !ok {
		return
	}
	token := r.Header.Get(api.AuthHeaderName)
	s.mu.Lock()
	s.auth.lookups++
	now := s.now()
	data := map[string]any{
		"id": token, "accessor": newToken()[4:], "display_name": "token", "entity_id": "",
		"meta": nil, "num_uses": 0, "orphan": true, "path": "auth/token/create",
		"policies": []string{"root"}, "type": "service", "explicit_max_ttl": 0,
		"creation_time": now.Unix(), "creation_ttl": 0, "expire_time": nil, "issue_time": now.Format(time.RFC3339Nano),
		"ttl": 0, "renewable": false,
	}
	if life, ok := s.auth.lives[token]; ok {
		data["path"] = "auth/" + life.role + "/login"
		data["policies"] = []string{"default"}
		data["meta"] = map[string]string{"role_name": life.role}
		data["creation_time"] = life.issued.Unix()
		data["issue_time"] = life.issued.Format(time.RFC3339Nano)
		data["creation_ttl"] = int(life.ttl / time.Second)
		data["expire_time"] = life.expires.Format(time.RFC3339Nano)
		data["ttl"] = int(life.expires.Sub(now) / time.Second)
		data["renewable"] = life.renewable
	}
	s.mu.Unlock()
	writeAuthJSON(w, newEnvelope(data), "token")
}

// serveRenewSelf answers auth/token/renew-self: the token's TTL becomes
// the increment asked for (or its creation TTL), capped at what is left
// of its max TTL, with Vault's warning when capped.
func (s *Server) serveRenewSelf(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeErrors(w, http.StatusMethodNotAllowed)
		return
	}
	if _, ok := s.authorize(w, r, ""); !ok {
		return
	}
	var body struct {
		Increment json.Number `json:"increment"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
	inc, _ := body.Increment.Int64()
	token := r.Header.Get(api.AuthHeaderName)

	s.mu.Lock()
	s.auth.renewals++
	life, ok := s.auth.lives[token]
	if !ok { // root or IssueToken: nothing to renew
		s.mu.Unlock()
		env := newEnvelope(nil)
		env.Auth = authBlock(token, "", 0, false)
		writeAuthJSON(w, env, "token")
		return
	}
	if !life.renewable {
		s.mu.Unlock()
		writeErrors(w, http.StatusBadRequest, "lease is not renewable")
		return
	}
	now := s.now()
	ttl := life.ttl
	if inc > 0 {
		ttl = time.Duration(inc) * time.Second
	}
	var warnings []string
	if left := life.maxExpires.Sub(now).Truncate(time.Second); ttl > left {
		warnings = append(warnings, fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly", ttl.String(), left.String()))
		ttl = left
	}
	life.expires = now.Add(ttl)
	role := life.role
	s.mu.Unlock()

	env := newEnvelope(nil)
	env.Auth = authBlock(token, role, ttl, true)
	if warnings != nil {
		env.Warnings, _ = json.Marshal(warnings)
	}
	writeAuthJSON(w, env, "token")
}

// Wrap stores data behind a single-use response-wrapping token and
// returns the token: PUT /v1/sys/wrapping/unwrap with it (as X-Vault-Token
// or as {"token": ...}) answers data once, then 400. For AppRole's
// WrappedSecretID: srv.Wrap(map[string]any{"secret_id": id}) (the answer
// then says mount_type "approle", as Vault's does).
func (s *Server) Wrap(data map[string]any) string {
	token := newToken()
	s.mu.Lock()
	s.auth.wrapped[token] = data
	s.mu.Unlock()
	return token
}

func (s *Server) serveUnwrap(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeErrors(w, http.StatusMethodNotAllowed)
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body)
	token := body.Token
	if token == "" {
		token = r.Header.Get(api.AuthHeaderName)
	}
	s.mu.Lock()
	data, ok := s.auth.wrapped[token]
	delete(s.auth.wrapped, token)
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusBadRequest, "wrapping token is not valid or does not exist")
		return
	}
	mountType := ""
	if _, ok := data["secret_id"]; ok {
		mountType = "approle" // a wrapped secret id
	}
	writeAuthJSON(w, newEnvelope(data), mountType)
}

// Renewals returns how many auth/token/renew-self requests the server
// received.
func (s *Server) Renewals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.renewals
}

// Lookups returns how many auth/token/lookup-self requests the server
// received.
func (s *Server) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.lookups
}

// TokenExpiry returns when token expires in the server's clock, and false
// when it has no TTL (root, IssueToken) or is unknown.
func (s *Server) TokenExpiry(token string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if life, ok := s.auth.lives[token]; ok {
		return life.expires, true
	}
	return time.Time{}, false
}
