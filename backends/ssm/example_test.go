package ssm_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

func ExampleNew() {
	// Region, credentials and endpoint come from the environment
	// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SSM, ...); WithRegion
	// overrides the region.
	b, err := ssm.New(ssm.WithRegion("eu-west-1"))
	if err != nil {
		log.Fatal(err)
	}
	var cfg struct {
		Stage    string
		Password vaultly.Secret[string] `secret:"/app/<stage>/db/password,ttl=5m,stale_on_error"`
		Hosts    []string               `secret:"/app/<stage>/hosts"` // a StringList
	}
	cfg.Stage = "prod"
	if err := vaultly.Load(&cfg, b); err != nil {
		log.Fatal(err)
	}
}

func Example_ssmtest() {
	srv, err := ssmtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.PutSecure("/app/prod/db/password", "pw-1")
	srv.PutSecure("/app/prod/db/password", "pw-2")
	srv.PutStringList("/app/prod/hosts", "a.example", "b.example")

	b, err := ssm.New(ssm.WithClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	var cfg struct {
		Password    string   `secret:"/app/prod/db/password"`
		OldPassword string   `secret:"/app/prod/db/password,version=1"`
		Hosts       []string `secret:"/app/prod/hosts"`
	}
	if err := vaultly.LoadContext(context.Background(), &cfg, b); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(cfg.Password), len(cfg.OldPassword), cfg.Hosts)
	fmt.Println(srv.Requests(ssmtest.OpGetParameters), "request")
	// Output:
	// 4 4 [a.example b.example]
	// 1 request
}
