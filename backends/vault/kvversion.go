package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/fanout"
	"github.com/vaultly/vaultly/internal/flight"
)

// WithKVVersion says which version of the KV secrets engine the mount
// runs: 1 or 2. Without it the backend asks Vault once, before its first
// read, as the vault CLI does (GET sys/internal/ui/mounts/<mount>, which
// any token that may read something under the mount may call). Any other
// number is an error.
func WithKVVersion(v int) Option {
	return func(c *config) error {
		if v != 1 && v != 2 {
			return configError("WithKVVersion(%d): want 1 or 2", v)
		}
		c.read.kvVersion = v
		return nil
	}
}

// kvVersion is the mount's KV version: given, or detected once.
type kvVersion struct {
	fixed    int          // WithKVVersion; 0: detect
	detected atomic.Int32 // 0 until a detection succeeded
	flights  flight.Group[struct{}, int]
}

// kvVersion returns the mount's KV version (1 or 2), asking Vault the
// first time when WithKVVersion was not given. Concurrent first readers
// share one request; a failed detection is not remembered, so the next
// read asks again.
func (b *Backend) kvVersion(ctx context.Context) (int, error) {
	kv := &b.reads.kv
	if kv.fixed != 0 {
		return kv.fixed, nil
	}
	if v := kv.detected.Load(); v != 0 {
		return int(v), nil
	}
	v, err := kv.flights.Do(ctx, struct{}{}, func(ctx context.Context) (int, error) {
		if v := kv.detected.Load(); v != 0 {
			return int(v), nil
		}
		v, err := b.detectKVVersion(ctx)
		if err == nil {
			kv.detected.Store(int32(v))
		}
		return v, err
	})
	switch {
	case err == nil:
		return v, nil
	case ctx.Err() != nil:
		return 0, ctxError(ctx, vaultly.Ref{})
	case errors.Is(err, fanout.ErrPanicked):
		return 0, classified(vaultly.ErrTransient, "detecting the KV version", err)
	}
	return 0, err
}

// mountInfo is the part of a sys/internal/ui/mounts answer the backend
// uses.
type mountInfo struct {
	Data *struct {
		Type    string            `json:"type"`
		Options map[string]string `json:"options"`
	} `json:"data"`
}

// detectKVVersion asks Vault which engine the mount runs. A 404 means a
// Vault without the endpoint: KV v2 is assumed, the backend's default
// before it detected anything.
func (b *Backend) detectKVVersion(ctx context.Context) (int, error) {
	resp, err := b.send(ctx, func() *api.Request {
		r := b.client.NewRequest(http.MethodGet, "/v1/sys/internal/ui/mounts/"+b.mount)
		r.WrapTTL = "" // the backend's own question is never wrapped, as in the vault CLI
		return r
	})
	defer closeBody(resp)
	const what = "detecting the KV version of mount %q (WithKVVersion skips it)"
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return 2, nil
		}
		msg := fmt.Sprintf(what, b.mount)
		if m := messageOf(err); m != "" {
			msg += ": " + m
		}
		return 0, withMsg(err, msg)
	}
	info, err := decodeJSON[mountInfo](resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctxError(ctx, vaultly.Ref{})
		}
		return 0, classified(vaultly.ErrTransient, fmt.Sprintf(what, b.mount), err)
	}
	if info.Data == nil {
		return 0, classified(vaultly.ErrTransient, fmt.Sprintf(what, b.mount), errors.New("the answer has no data"))
	}
	switch t := info.Data.Type; {
	case t == "kv" && strings.TrimPrefix(info.Data.Options["version"], "v") == "2":
		return 2, nil
	case t == "kv", t == "generic":
		return 1, nil
	default:
		return 0, classified(vaultly.ErrConfig, fmt.Sprintf("mount %q is a %q secrets engine, not KV", b.mount, oneLine(t, 40)), nil)
	}
}
