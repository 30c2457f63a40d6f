package env_test

import (
	"context"
	"fmt"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/env"
)

func Example() {
	// In production, leave out WithLookup to read os.LookupEnv.
	fake := map[string]string{"MYAPP_DB_PROD_PASSWORD": "hunter2"}
	b, err := env.New(env.WithPrefix("MYAPP"), env.WithLookup(func(name string) (string, bool) {
		v, ok := fake[name]
		return v, ok
	}))
	if err != nil {
		fmt.Println(err)
		return
	}

	pw, err := b.Get(context.Background(), vaultly.Ref{Path: "/db/prod/password"})
	fmt.Println(pw, err)
	_, err = b.Get(context.Background(), vaultly.Ref{Path: "/db/dev/password"})
	fmt.Println(err)
	fmt.Println(env.Key("MYAPP_", "/services/open-ai/key"))
	// Output:
	// hunter2 <nil>
	// env: /db/dev/password: secret not found: variable MYAPP_DB_DEV_PASSWORD is not set
	// MYAPP_SERVICES_OPEN_AI_KEY
}
