package open_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/open"
)

func ExampleBackend() {
	os.Setenv("EXAMPLE_DB_USER", "app") // as a deployment would
	// In a service: open.Backend(ctx, os.Getenv("VAULTLY_BACKEND")).
	backend, closer, err := open.Backend(context.Background(), "env://EXAMPLE?retry=5s")
	if err != nil {
		log.Fatal(err)
	}
	defer closer.Close()

	var cfg struct {
		User string `secret:"/db/user"`
	}
	if err := vaultly.Load(&cfg, backend); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.User)

	_, _, err = open.Backend(context.Background(), "vault://vault.example.com/secret?token=hvs.x")
	fmt.Println(err)
	// Output:
	// app
	// open: configuration error: vault URL: parameter "token" would put a secret in the URL: set VAULT_TOKEN, or auth=token_file&token_file=PATH
}
