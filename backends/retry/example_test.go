package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/retry"
)

func Example() {
	// A store that is throttling: the first two reads fail transiently.
	calls := 0
	flaky := backendkit.Func(func(ctx context.Context, ref vaultly.Ref) (string, error) {
		calls++
		if calls <= 2 {
			return "", backendkit.NewError("flaky", vaultly.ErrTransient, ref, errors.New("ThrottlingException"))
		}
		return "s3cr3t", nil
	})

	b, err := retry.New(flaky,
		retry.MaxAttempts(5),
		retry.BaseDelay(time.Millisecond),
		retry.MaxDelay(10*time.Millisecond),
		retry.TotalTimeout(2*time.Second),
		retry.Jitter(false), // deterministic output; keep jitter on in production
		retry.OnRetry(func(attempt int, err error, delay time.Duration) {
			fmt.Printf("attempt %d failed (%s), retrying in %s\n", attempt, vaultly.KindOf(err), delay)
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := b.Get(context.Background(), vaultly.Ref{Path: "/db/prod/password"})
	fmt.Println(len(v), err)
	// Output:
	// attempt 1 failed (transient), retrying in 1ms
	// attempt 2 failed (transient), retrying in 2ms
	// 6 <nil>
}

func ExampleNew_invalid() {
	_, err := retry.New(backendkit.Func(nil), retry.MaxAttempts(0))
	fmt.Println(errors.Is(err, vaultly.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// retry: configuration error: MaxAttempts is 0, want at least 1
}
