// Package retry wraps a vaultly.Backend so that transient failures are
// retried with capped exponential backoff and full jitter, under a hard
// wall-clock budget that covers every attempt and every sleep.
//
// By default only errors matching vaultly.ErrTransient are retried, at most
// 3 attempts are made, delays start at 0.5 s and are capped at 4 s, and the
// whole call, sleeps included, never runs past 10 s:
//
//	b, err := retry.New(ssmBackend, retry.TotalTimeout(5*time.Second))
//	if err != nil {
//		return err // a vaultly.ErrConfig: an invalid setting
//	}
//	err = vaultly.Load(&cfg, b)
//
// New returns a vaultly.Backend whose dynamic type depends on the inner
// backend: a *BatchingBackend when the inner backend implements
// vaultly.BatchBackend (so batching survives the wrapper), and a *Backend
// otherwise (so a plain backend is never presented as one that batches).
//
// The budget is enforced two ways: each attempt's context carries the time
// left as its deadline, and a sleep that would end at or after the budget
// is never started; the last error is returned at once instead, still
// matching vaultly.ErrTransient and wrapped in an *Error that records the
// attempts made. When the caller's context ends, the call stops at once
// and the error matches ctx.Err() and not vaultly.ErrTransient.
//
// Both types implement the optional interfaces of backendkit for the
// inner backend: ReadsKeys reports the inner backend's answer (false when
// it has none), and GetPrefix and GetLease are retried as a whole, like
// Get. When the inner backend lacks GetPrefix or GetLease, the call is
// vaultly.ErrConfig naming it, not retried.
package retry
