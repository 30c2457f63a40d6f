package open

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/retry"
)

// Backend opens the backend rawURL describes (see the package
// documentation for the grammar; an empty rawURL is [Default]).
//
// It returns the backend and a Closer that releases what opening it took
// (the file backend's directory, the Vault backend's token renewal);
// whoever opens a backend closes it once nothing reads from it any more.
// The backend is what the URL names, unwrapped: a *ssm.Backend for
// ssm://, a chain or retry wrapper when the URL asks for one, so that
// vaultly finds the optional interfaces (batching, prefixes, keys) it
// has. ctx bounds what opening does before any read (loading the AWS
// configuration of a profile).
//
// Every error matches vaultly.ErrConfig, names the part of the URL at
// fault and never quotes a value or the URL.
func Backend(ctx context.Context, rawURL string) (vaultly.Backend, io.Closer, error) {
	specs, err := parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	var closers closeAll
	members := make([]vaultly.Backend, 0, len(specs))
	for i, s := range specs {
		b, err := buildMember(ctx, s, &closers)
		if err != nil {
			closers.Close()
			if len(specs) > 1 {
				return nil, nil, memberError(i, len(specs), err)
			}
			return nil, nil, err
		}
		members = append(members, b)
	}
	if len(members) == 1 {
		return members[0], &closers, nil
	}
	b, err := chain.New(members)
	if err != nil {
		closers.Close()
		return nil, nil, err
	}
	return b, &closers, nil
}

// buildMember builds one backend of the list, wrapped in retry when its
// URL asks for it.
func buildMember(ctx context.Context, s spec, closers *closeAll) (vaultly.Backend, error) {
	b, err := build(ctx, s)
	if err != nil {
		return nil, err
	}
	if c, ok := b.(io.Closer); ok {
		closers.add(c)
	}
	if s.Retry == 0 && s.RetryAttempts == 0 {
		return b, nil
	}
	var opts []retry.Option
	if s.Retry > 0 {
		opts = append(opts, retry.TotalTimeout(s.Retry))
	}
	if s.RetryAttempts > 0 {
		opts = append(opts, retry.MaxAttempts(s.RetryAttempts))
	}
	return retry.New(b, opts...)
}

// memberError says which member of a chain err, an error of its
// backend's constructor, comes from. The constructor's error stays
// reachable with errors.As.
func memberError(i, n int, err error) error {
	var be *vaultly.BackendError
	if errors.As(err, &be) && be.Backend == "open" && be.Err == nil {
		return configError("chain member %d of %d: %s", i+1, n, be.Msg)
	}
	return &vaultly.BackendError{Backend: "open", Kind: vaultly.ErrConfig, Msg: fmt.Sprintf("chain member %d of %d", i+1, n), Err: err}
}

// closeAll closes, once and in reverse order, the backends opened for one
// URL.
type closeAll struct {
	mu      sync.Mutex
	closers []io.Closer
	done    bool
}

func (c *closeAll) add(cl io.Closer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closers = append(c.closers, cl)
}

// Close closes every backend the URL opened; the errors, joined. Calls
// after the first do nothing.
func (c *closeAll) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	c.done = true
	var errs []error
	for i := len(c.closers) - 1; i >= 0; i-- {
		errs = append(errs, c.closers[i].Close())
	}
	return errors.Join(errs...)
}
