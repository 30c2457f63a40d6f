package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

var _ backendkit.LeaseBackend = (*Backend)(nil)

// WithRevokeLeasesOnClose makes Close revoke the leases GetLease handed
// out that have not expired yet (PUT sys/leases/revoke, which the token's
// policy must allow: path "sys/leases/revoke" { capabilities =
// ["update"] }), so that dynamic credentials die with the process instead
// of at the end of their lease. Off by default: the leases then run out
// on their own, and a process that restarts does not cut off credentials
// a previous instance handed to others.
func WithRevokeLeasesOnClose(revoke bool) Option {
	return func(c *config) error {
		c.read.revokeLeases = revoke
		return nil
	}
}

// leaseBody is the part of a logical read answer GetLease uses.
type leaseBody struct {
	LeaseID       string         `json:"lease_id"`
	LeaseDuration int64          `json:"lease_duration"`
	Data          map[string]any `json:"data"`
	WrapInfo      *struct{}      `json:"wrap_info"`
}

// GetLease reads a secret that comes with a lease (database credentials,
// a PKI certificate issued with generate_lease, AWS credentials) with a
// plain logical read of ref.Path: the full Vault path, such as
// "database/creds/app", not a KV path below the mount. It returns the
// answer's whole data object as compact JSON text, or its member Ref.Key
// (or the path's ":key"), by the key= rule; and the lease duration (0
// when the answer has none). Every call is a new read, so a dynamic
// secret engine issues new credentials each time. A version is an
// ErrConfig error; errors are classified as for Get.
//
// With WithRevokeLeasesOnClose the lease ids are kept for Close to
// revoke; otherwise none is kept.
func (b *Backend) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	p, key, err := parseLeaseRef(ref)
	if err != nil {
		return "", 0, err
	}
	resp, err := b.send(ctx, func() *api.Request {
		return b.client.NewRequest(http.MethodGet, "/v1/"+p)
	})
	defer closeBody(resp)
	if err != nil {
		return "", 0, withRef(err, ref)
	}
	body, err := decodeJSON[leaseBody](resp.Body)
	if err != nil {
		return "", 0, withRef(bodyError(ctx, err), ref)
	}
	if body.WrapInfo != nil {
		return "", 0, refError(ref, errWrapped)
	}
	data := body.Data
	if data == nil {
		return "", 0, &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrNotFound, Ref: ref, Msg: "the answer has no data"}
	}
	valid := time.Duration(max(body.LeaseDuration, 0)) * time.Second
	b.reads.leases.add(body.LeaseID, valid)
	if key != "" {
		v, err := pick(data, key, true, ref)
		return v, valid, err
	}
	v, err := compactJSON(data)
	if err != nil {
		return "", 0, &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrTransient, Ref: ref,
			Msg: "the answer's data cannot be encoded as JSON"}
	}
	return v, valid, nil
}

// parseLeaseRef returns the logical path of a leased Ref and the member it
// takes (Ref.Key, or the path's ":key"; "" for the whole data object).
func parseLeaseRef(ref vaultly.Ref) (path, key string, err error) {
	p := ref.Path
	if i := strings.LastIndexByte(p, ':'); i >= 0 {
		if ref.Key != "" {
			return "", "", refError(ref, `a Ref with Key set cannot also pick a field with ":key" (the path holds a ':')`)
		}
		p, key = p[:i], p[i+1:]
		if key == "" {
			return "", "", refError(ref, "empty key after ':'")
		}
	}
	if ref.Key != "" {
		key = ref.Key
	}
	if ref.Version != "" {
		return "", "", refError(ref, "a leased secret has no versions")
	}
	p = strings.Trim(p, "/")
	if err := checkPath(p); err != nil {
		return "", "", refError(ref, err.Error())
	}
	return p, key, nil
}

// leaseSet is the set of unexpired lease ids GetLease handed out, kept
// only with WithRevokeLeasesOnClose.
type leaseSet struct {
	keep bool
	now  func() time.Time

	mu  sync.Mutex
	ids map[string]time.Time // lease id -> expiry (zero: none known)
}

// add records a lease id valid for valid from now, and forgets the ids
// that have expired.
func (s *leaseSet) add(id string, valid time.Duration) {
	if !s.keep || id == "" {
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = make(map[string]time.Time)
	}
	for k, exp := range s.ids {
		if !exp.IsZero() && !now.Before(exp) {
			delete(s.ids, k)
		}
	}
	var exp time.Time
	if valid > 0 {
		exp = now.Add(valid)
	}
	s.ids[id] = exp
}

// take returns the unexpired lease ids and forgets them all.
func (s *leaseSet) take() []string {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, exp := range s.ids {
		if exp.IsZero() || now.Before(exp) {
			out = append(out, id)
		}
	}
	s.ids = nil
	return out
}

// revokeLeases revokes the unexpired leases GetLease handed out, when
// WithRevokeLeasesOnClose is on (otherwise none is kept and it does
// nothing): Close calls it. Each lease is revoked once, at most
// WithConcurrency at a time, whether or not its revocation succeeds. The
// error counts the failures and carries each one's error; lease ids are
// not printed.
func (b *Backend) revokeLeases(ctx context.Context) error {
	ids := b.reads.leases.take()
	runErrs := fanout.Run(ctx, len(ids), b.concurrency, func(i int) error {
		resp, err := b.send(ctx, func() *api.Request {
			r := b.client.NewRequest(http.MethodPut, "/v1/sys/leases/revoke")
			r.WrapTTL = ""
			_ = r.SetJSONBody(map[string]string{"lease_id": ids[i]})
			return r
		})
		closeBody(resp)
		return err
	})
	var errs []error
	for _, err := range runErrs {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if ctx.Err() != nil {
		return backendkit.NewCanceledError(Name, vaultly.Ref{}, ctx.Err(), errors.Join(errs...))
	}
	kind := vaultly.ErrTransient
	for _, err := range errs {
		if errors.Is(err, vaultly.ErrAuth) {
			kind = vaultly.ErrAuth
		}
	}
	return &vaultly.BackendError{Backend: Name, Kind: kind,
		Msg: fmt.Sprintf("revoking %d of %d leases failed", len(errs), len(ids)), Err: errors.Join(errs...)}
}
