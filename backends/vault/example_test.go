package vault_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func Example() {
	// In production: vault.New() reads VAULT_ADDR and VAULT_TOKEN.
	srv, err := vaulttest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Put("app/prod/db", map[string]any{"user": "app", "password": "s3cret", "port": 5432})

	b, err := vault.New(vault.WithClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	var cfg struct {
		Stage    string
		User     string                 `secret:"/app/<stage>/db:user"`
		Port     int                    `secret:"/app/<stage>/db:port"`
		Password vaultly.Secret[string] `secret:"/app/<stage>/db:password,ttl=5m"`
	}
	cfg.Stage = "prod"
	if err := vaultly.Load(&cfg, b); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.User, cfg.Port, cfg.Password)
	// Output: app 5432 ***
}

func ExampleAuthFunc() {
	srv, err := vaulttest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddAppRole("role", "secret")
	c := srv.Client()
	c.ClearToken()

	logins := 0
	b, err := vault.New(vault.WithClient(c), vault.WithAuth(vault.AuthFunc(
		func(ctx context.Context, client *api.Client) (*api.Secret, error) {
			logins++ // build the real auth method here, on every login
			return vaulttest.AppRole{RoleID: "role", SecretID: "secret"}.Login(ctx, client)
		})))
	if err != nil {
		log.Fatal(err)
	}
	v, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
	fmt.Println(v, err, logins)
	// Output: v <nil> 1
}
