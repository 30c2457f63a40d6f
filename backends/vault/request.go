package vault

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/ratelimit"
)

// send makes one request the way every read of the backend goes: it logs
// in first when there is no token (WithTokenFunc, WithAuth), waits for
// the rate limit before each attempt, logs in once more and sends again
// when Vault refuses the token (403), and retries a 429 answer up to
// throttleRetries times with jittered backoff (never past the caller's
// deadline). build makes a fresh request for each attempt.
//
// On success the answer's body is open: the caller closes it. On failure
// the error is classified (the caller stamps its Ref) and, for an answer
// with an error status, the answer is returned too, with its body open,
// so that the caller can read a 404's body; closeBody is safe on nil.
func (b *Backend) send(ctx context.Context, build func() *api.Request) (*api.Response, error) {
	if b.reauth.enabled() && b.client.Token() == "" {
		if err := b.renew(ctx, ""); err != nil {
			return nil, err
		}
	}
	reauthed := false
	for throttled := 0; ; {
		r := build()
		resp, err := b.sendOnce(ctx, r)
		switch {
		case err == nil:
			return resp, nil
		case errors.Is(err, vaultly.ErrAuth) && b.reauth.enabled() && !reauthed:
			closeBody(resp)
			reauthed = true
			if rerr := b.renew(ctx, r.ClientToken); rerr != nil {
				return nil, rerr
			}
			continue
		case resp != nil && resp.StatusCode == http.StatusTooManyRequests && throttled < b.reads.throttleRetries:
			throttled++
			wait := b.reads.backoff(throttled, retryAfter(resp.Header, time.Now()))
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
				return resp, err // waiting would be in vain: the 429 stands
			}
			closeBody(resp)
			if b.reads.sleep(ctx, wait) != nil {
				return nil, ctxError(ctx, vaultly.Ref{})
			}
			continue
		}
		return resp, err
	}
}

// sendOnce waits for the rate limit and sends r (the client may retry
// it). An error status is classified, and its answer returned with it.
func (b *Backend) sendOnce(ctx context.Context, r *api.Request) (*api.Response, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx, vaultly.Ref{})
	}
	if err := ratelimit.Wait(ctx, b.reads.limiter); err != nil {
		return nil, backendkit.NewCanceledError(Name, vaultly.Ref{}, err, nil)
	}
	// RawRequestWithContext is the client's one way to send a request
	// built here (a LIST sent as GET, a cleared wrap TTL, the token the
	// request carries known for the 403 re-login); Logical()'s methods
	// build their own.
	//lint:ignore SA1019 deprecated for historical reasons only, and still the client's way to send a request built by hand
	resp, err := b.client.RawRequestWithContext(context.WithValue(ctx, ownThrottleKey{}, true), r)
	if err != nil {
		var re *api.ResponseError
		if !errors.As(err, &re) {
			closeBody(resp)
			return nil, classifyTransport(ctx, b.client.Address(), err)
		}
		return resp, classified(statusKind(re.StatusCode), "", responseError(re, err))
	}
	if resp == nil || resp.Body == nil {
		return nil, classified(vaultly.ErrTransient, "empty response", nil)
	}
	return resp, nil
}

// closeBody closes resp's body, if any.
func closeBody(resp *api.Response) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
}

// withMsg returns err, a classified error, with msg as its detail.
func withMsg(err error, msg string) error {
	var be *vaultly.BackendError
	if msg == "" || !errors.As(err, &be) {
		return err
	}
	c := *be
	c.Msg = msg
	return &c
}
