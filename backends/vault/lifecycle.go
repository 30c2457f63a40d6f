package vault

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
)

// The token lifecycle: after a login (WithAuth or WithTokenFunc) one
// goroutine per Backend keeps the token valid, so that reads never meet
// an expired token in the normal case:
//
//   - a renewable token is renewed (auth/token/renew-self, asking for the
//     TTL it was issued with) at about two thirds of its TTL;
//   - when a renewal comes back shorter than asked for, the token has
//     reached its max TTL and cannot be extended: the backend logs in
//     again at two thirds of what is left;
//   - a token that is not renewable, or whose login renews it itself
//     (TokenFile: Vault Agent), is replaced by a new login at two thirds
//     of its TTL;
//   - a failed renewal is followed by a login at once; a failed login is
//     tried again after 1 s, 2 s, 4 s, ... up to a minute;
//   - a login that gives no TTL (a token function, TokenFile) is followed
//     by auth/token/lookup-self to learn it; a token without a TTL (root,
//     or lookup-self refused by the policy) is left alone.
//
// The 403 re-login of auth.go stays as the safety net. The goroutine
// starts at the first successful login and ends with Close. A static
// token (WithToken, VAULT_TOKEN, a WithClient client's token) is never
// renewed.

// TokenOp names what a TokenEvent reports.
type TokenOp string

// The operations WithTokenHook reports.
const (
	TokenLogin   TokenOp = "login"   // a login (first read, 403, or the lifecycle)
	TokenRenewal TokenOp = "renewal" // auth/token/renew-self
	TokenLookup  TokenOp = "lookup"  // auth/token/lookup-self, after a login that gave no TTL
)

// TokenEvent reports one login, renewal or lookup of the backend's token
// to the function set with WithTokenHook. It never holds the token.
type TokenEvent struct {
	Op TokenOp
	// TTL is the token's TTL after a successful operation; 0 when it is
	// unknown (a login that gave none) or the token does not expire.
	TTL time.Duration
	// Err is nil on success, else a classified *vaultly.BackendError.
	Err error
}

// WithTokenHook sets a function called after every login, renewal and
// lookup of the token, from readers and from the background lifecycle,
// for metrics and logs. It is called synchronously and must be fast, and
// must not call Close, which waits for the lifecycle goroutine that calls
// it. A nil function is an error. (Hooks.OnReauth, from the Loader's context, is
// still called for the logins a read makes.)
func WithTokenHook(fn func(TokenEvent)) Option {
	return func(c *config) error {
		if fn == nil {
			return configError("WithTokenHook: nil function")
		}
		c.tokenHook = fn
		return nil
	}
}

// clock is the time source of the lifecycle; tests inject a virtual one.
type clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// loginResult is what a login gave: the token and, from an auth method's
// answer, its TTL (0: unknown or none) and whether it is renewable.
type loginResult struct {
	token     string
	ttl       time.Duration
	renewable bool
}

type action int

const (
	actIdle   action = iota // nothing to do until the next login
	actLookup               // learn the TTL with lookup-self
	actRenew                // renew-self
	actLogin                // log in again
)

// tokenState is what the lifecycle knows of the current token.
type tokenState struct {
	gen       uint64 // bumped by every login: a late answer about an older token is dropped
	token     string
	action    action
	next      time.Time     // when to act
	increment time.Duration // the TTL asked for at renewal
	failures  int           // failed attempts of action in a row
}

type lifecycle struct {
	clock        clock
	hook         func(TokenEvent)
	renewsItself bool // the login method's tokens are renewed by someone else

	mu      sync.Mutex
	state   tokenState
	started bool
	closed  bool
	wake    chan struct{} // buffered 1: the state changed
	cancel  context.CancelFunc
	done    chan struct{}
}

func (l *lifecycle) init(clk clock, hook func(TokenEvent), renewsItself bool) {
	if clk == nil {
		clk = realClock{}
	}
	l.clock, l.hook, l.renewsItself = clk, hook, renewsItself
	l.wake = make(chan struct{}, 1)
}

func (l *lifecycle) report(op TokenOp, ttl time.Duration, err error) {
	if l.hook != nil {
		l.hook(TokenEvent{Op: op, TTL: ttl, Err: err})
	}
}

// loggedIn records a successful login and starts the goroutine at the
// first one. It is called with the new token already set on the client.
func (b *Backend) loggedIn(res loginResult) {
	l := &b.life
	l.mu.Lock()
	defer l.mu.Unlock()
	st := tokenState{gen: l.state.gen + 1, token: res.token}
	l.state = l.planTTL(st, res.ttl, res.ttl, res.renewable, l.clock.Now())
	if l.closed {
		return
	}
	if !l.started {
		l.started = true
		ctx, cancel := context.WithCancel(context.Background())
		l.cancel, l.done = cancel, make(chan struct{})
		go b.run(ctx)
		return
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// planTTL sets st's next action for a token with ttl left (asked for at
// renewal: increment) as of now. A zero ttl from a login means unknown.
func (l *lifecycle) planTTL(st tokenState, ttl, increment time.Duration, renewable bool, now time.Time) tokenState {
	st.failures = 0
	if ttl <= 0 {
		st.action, st.next = actLookup, now
		return st
	}
	st.increment = increment
	st.next = now.Add(ttl * 2 / 3)
	if renewable && !l.renewsItself {
		st.action = actRenew
	} else {
		st.action = actLogin
	}
	return st
}

// run is the lifecycle goroutine: it waits for the next action, or a new
// login, or Close.
func (b *Backend) run(ctx context.Context) {
	l := &b.life
	defer close(l.done)
	for {
		l.mu.Lock()
		st := l.state
		l.mu.Unlock()
		var fire <-chan time.Time
		stop := func() bool { return false }
		if st.action != actIdle {
			fire, stop = l.clock.NewTimer(max(st.next.Sub(l.clock.Now()), 0))
		}
		select {
		case <-ctx.Done():
			stop()
			return
		case <-l.wake:
			stop()
			continue
		case <-fire:
		}
		switch st.action {
		case actLookup:
			b.lookup(ctx, st)
		case actRenew:
			b.renewToken(ctx, st)
		case actLogin:
			b.backgroundLogin(ctx, st)
		}
		// The action's own login signalled a change the next loop reads
		// anyway.
		select {
		case <-l.wake:
		default:
		}
	}
}

// update replaces the state with fn's result, unless a login has
// replaced the token since st was taken.
func (l *lifecycle) update(st tokenState, fn func(tokenState, time.Time) tokenState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state.gen == st.gen {
		l.state = fn(l.state, l.clock.Now())
	}
}

// retryLater plans action again after a back-off.
func retryLater(act action) func(tokenState, time.Time) tokenState {
	return func(st tokenState, now time.Time) tokenState {
		st.failures++
		st.action, st.next = act, now.Add(backoff(st.failures))
		return st
	}
}

// backoff is 1 s, 2 s, 4 s, ... up to a minute.
func backoff(failures int) time.Duration {
	return min(time.Second<<min(failures-1, 6), time.Minute)
}

// tokenClient is a copy of the backend's client holding token.
func (b *Backend) tokenClient(token string) *api.Client {
	c := b.client.WithNamespace(b.client.Namespace())
	c.SetToken(token)
	return c
}

// renewToken renews the token; a renewal shorter than asked for means the
// max TTL is near, and the next action is a login.
func (b *Backend) renewToken(ctx context.Context, st tokenState) {
	l := &b.life
	rctx, cancel := context.WithTimeout(ctx, LoginTimeout)
	s, err := b.tokenClient(st.token).Auth().Token().RenewSelfWithContext(rctx, int(st.increment/time.Second))
	cancel()
	if ctx.Err() != nil {
		return
	}
	var ttl time.Duration
	if err == nil {
		if s == nil || s.Auth == nil {
			err = errors.New("renew-self answered no auth data")
		} else {
			ttl = time.Duration(s.Auth.LeaseDuration) * time.Second
		}
	}
	if err != nil {
		err = b.tokenError("token renewal failed", err)
		l.report(TokenRenewal, 0, err)
		l.update(st, func(cur tokenState, now time.Time) tokenState {
			cur.action, cur.next = actLogin, now
			return cur
		})
		return
	}
	l.report(TokenRenewal, ttl, nil)
	l.update(st, func(cur tokenState, now time.Time) tokenState {
		cur.failures = 0
		cur.next = now.Add(ttl * 2 / 3)
		if ttl < cur.increment || !s.Auth.Renewable {
			cur.action = actLogin // capped by the max TTL: cannot be extended
		}
		return cur
	})
}

// lookup learns the TTL of a token whose login gave none.
func (b *Backend) lookup(ctx context.Context, st tokenState) {
	l := &b.life
	rctx, cancel := context.WithTimeout(ctx, LoginTimeout)
	s, err := b.tokenClient(st.token).Auth().Token().LookupSelfWithContext(rctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	var (
		ttl, created time.Duration
		renewable    bool
	)
	if err == nil {
		ttl, created, renewable, err = tokenLookup(s)
	}
	if err != nil {
		err = b.tokenError("token lookup failed", err)
		l.report(TokenLookup, 0, err)
		if errors.Is(err, vaultly.ErrAuth) {
			// The policy does not allow lookup-self, or the token is
			// dead: the 403 re-login of a read takes over.
			l.update(st, func(cur tokenState, _ time.Time) tokenState {
				cur.action = actIdle
				return cur
			})
			return
		}
		l.update(st, retryLater(actLookup))
		return
	}
	l.report(TokenLookup, ttl, nil)
	l.update(st, func(cur tokenState, now time.Time) tokenState {
		if ttl <= 0 {
			cur.action = actIdle // does not expire
			return cur
		}
		if created <= 0 {
			created = ttl
		}
		return l.planTTL(cur, ttl, created, renewable, now)
	})
}

// tokenLookup reads the ttl, creation_ttl and renewable fields of a
// lookup-self answer.
func tokenLookup(s *api.Secret) (ttl, created time.Duration, renewable bool, err error) {
	if s == nil || s.Data == nil {
		return 0, 0, false, errors.New("lookup-self answered no data")
	}
	if ttl, err = s.TokenTTL(); err != nil {
		return 0, 0, false, errors.New("lookup-self answered a malformed ttl")
	}
	if renewable, err = s.TokenIsRenewable(); err != nil {
		return 0, 0, false, errors.New("lookup-self answered a malformed renewable")
	}
	created = seconds(s.Data["creation_ttl"])
	return ttl, created, renewable, nil
}

// seconds reads a JSON number of seconds (0 when absent or malformed).
func seconds(v any) time.Duration {
	var n int64
	switch v := v.(type) {
	case json.Number:
		n, _ = v.Int64()
	case string:
		n, _ = strconv.ParseInt(v, 10, 64)
	case float64:
		n = int64(v)
	}
	return time.Duration(n) * time.Second
}

// backgroundLogin replaces the token before it expires. It runs on the
// lifecycle goroutine, not through the readers' single flight, so that
// Close, which waits for that goroutine, waits for it too; a reader
// refused meanwhile may log in as well, which costs one login more.
func (b *Backend) backgroundLogin(ctx context.Context, st tokenState) {
	if cur := b.client.Token(); cur != st.token && cur != "" {
		return // a reader logged in since: loggedIn has planned anew
	}
	if err := b.runLogin(ctx); err != nil && ctx.Err() == nil {
		b.life.update(st, retryLater(actLogin))
	}
}

// tokenError classifies a failed login, renewal or lookup: ErrAuth, or
// ErrTransient when Vault or the network is unavailable.
func (b *Backend) tokenError(msg string, err error) error {
	kind := vaultly.ErrAuth
	if isTransientCause(err) {
		kind = vaultly.ErrTransient
	}
	return classified(kind, msg, loginError(b.client.Address(), err))
}

// Close stops the token lifecycle goroutine and waits for it to end (a
// renewal or login it is making is cancelled), then, with
// WithRevokeLeasesOnClose, revokes the leases GetLease handed out (within
// CallTimeout). It does not close the client, and reads after Close still
// work, logging in on a 403 without renewing. Close is idempotent: only
// the first call does anything, and later calls return nil. A Loader's
// Close never closes its backend: whoever made the backend closes it.
func (b *Backend) Close() error {
	l := &b.life
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	started := l.started
	l.mu.Unlock()
	if started {
		l.cancel()
		<-l.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	return b.revokeLeases(ctx) // lease.go; nothing to do without WithRevokeLeasesOnClose
}
