package mock_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

func Example() {
	b := mock.New(map[string]string{"/db/prod/password": "hunter2"})
	b.SetVersion("/db/prod/password", "1", "old-password")

	ctx := context.Background()
	cur, _ := b.Get(ctx, vaultly.Ref{Path: "/db/prod/password"})
	old, _ := b.Get(ctx, vaultly.Ref{Path: "/db/prod/password", Version: "1"})
	_, err := b.Get(ctx, vaultly.Ref{Path: "/db/dev/password"})
	fmt.Println(cur, old)
	fmt.Println(errors.Is(err, vaultly.ErrNotFound), err)
	// Output:
	// hunter2 old-password
	// true mock: /db/dev/password: secret not found
}

func Example_calls() {
	b := mock.New(map[string]string{"/a": "1", "/b": "2"})
	ctx := context.Background()
	_, _ = b.Get(ctx, vaultly.Ref{Path: "/a"})
	_, _ = b.GetBatch(ctx, []vaultly.Ref{{Path: "/a"}, {Path: "/b"}})

	fmt.Println("calls:", b.Calls())
	fmt.Println("batches:", b.BatchCalls())
	fmt.Println("round trips:", b.Requests())
	// Output:
	// calls: [/a /a /b]
	// batches: [[/a /b]]
	// round trips: 2
}

func Example_fail() {
	b := mock.New(map[string]string{"/a": "1"})
	b.FailNext("/a", 2, errors.New("throttled")) // unclassified: becomes ErrTransient

	ctx := context.Background()
	for range 3 {
		v, err := b.Get(ctx, vaultly.Ref{Path: "/a"})
		fmt.Printf("%q transient=%v\n", v, errors.Is(err, vaultly.ErrTransient))
	}
	b.Fail("/a", vaultly.ErrAuth) // classified: returned as is
	_, err := b.Get(ctx, vaultly.Ref{Path: "/a"})
	fmt.Println(vaultly.KindOf(err))
	// Output:
	// "" transient=true
	// "" transient=true
	// "1" transient=false
	// auth
}
