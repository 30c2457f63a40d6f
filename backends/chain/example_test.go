package chain_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/mock"
)

func Example() {
	// Local overrides first (say, environment variables), then the store.
	overrides := mock.New(map[string]string{"/db/prod/pool_size": "4"})
	store := mock.New(map[string]string{
		"/db/prod/pool_size": "20",
		"/db/prod/password":  "hunter2",
	})
	b, err := chain.New([]vaultly.Backend{overrides, store},
		chain.WithNames("overrides", "ssm"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	pool, _ := b.Get(ctx, vaultly.Ref{Path: "/db/prod/pool_size"})
	fmt.Println("pool size:", pool) // the first backend that has it wins

	_, err = b.Get(ctx, vaultly.Ref{Path: "/db/prod/password"})
	fmt.Println("password found:", err == nil) // not found in overrides: falls through

	_, err = b.Get(ctx, vaultly.Ref{Path: "/db/prod/user"})
	fmt.Println(errors.Is(err, vaultly.ErrNotFound), err)

	// Only what the overrides lacked is asked of the store, in one batch.
	store.ResetCalls()
	vals, _ := b.GetBatch(ctx, []vaultly.Ref{{Path: "/db/prod/pool_size"}, {Path: "/db/prod/password"}})
	fmt.Println(len(vals), "values;", "asked of ssm:", store.BatchCalls())
	// Output:
	// pool size: 4
	// password found: true
	// true chain: /db/prod/user: secret not found: asked overrides, ssm
	// 2 values; asked of ssm: [[/db/prod/password]]
}

func ExampleFallThroughOnTransient() {
	primary := mock.New(nil)
	primary.FailAll(errors.New("connection refused")) // a transient failure
	replica := mock.New(map[string]string{"/api/key": "k"})

	strict, _ := chain.New([]vaultly.Backend{primary, replica})
	_, err := strict.Get(context.Background(), vaultly.Ref{Path: "/api/key"})
	fmt.Println("default:", vaultly.KindOf(err))

	lenient, _ := chain.New([]vaultly.Backend{primary, replica}, chain.FallThroughOnTransient(true))
	_, err = lenient.Get(context.Background(), vaultly.Ref{Path: "/api/key"})
	fmt.Println("fall through:", vaultly.KindOf(err))
	// Output:
	// default: transient
	// fall through: ok
}
