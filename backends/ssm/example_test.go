package ssm_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// The Go blocks of docs/ssm.md are mirrored here, each in the function the
// page names after it; TestDocsMirrored checks that they match.

type Config struct {
	Stage string // fills <stage>
	DB    struct {
		Host     string                 `secret:"/app/<stage>/db/host"`
		Password vaultly.Secret[string] `secret:"/app/<stage>/db/password,ttl=5m,stale_on_error"`
	}
	Hosts []string `secret:"/app/<stage>/hosts"`                 // a StringList
	Token string   `secret:"/app/<stage>/token,version=current"` // the version labelled current
}

func ExampleNew() {
	// Region, credentials and endpoint come from the environment
	// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SSM, ...); WithRegion
	// overrides the region.
	b, err := ssm.New(ssm.WithRegion("eu-west-1"))
	if err != nil {
		log.Fatal(err) // matches vaultly.ErrConfig: no region, a bad option
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		log.Fatal(err) // names every failing field, never a value
	}
}

func ExampleNew_retry() {
	inner, err := ssm.New()
	if err != nil {
		log.Fatal(err)
	}
	b, err := retry.New(inner, retry.TotalTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		log.Fatal(err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t) // closed by t.Cleanup; a bad option fails the test
	srv.Put("/app/prod/db/host", "db.internal")
	srv.PutSecure("/app/prod/db/password", "pw-1")
	srv.PutStringList("/app/prod/hosts", "a.example", "b.example")
	srv.Put("/app/prod/token", "tok-1")
	srv.Put("/app/prod/token", "tok-2") // version 2
	if err := srv.LabelVersion("/app/prod/token", 2, "current"); err != nil {
		t.Fatal(err)
	}

	b, err := ssm.New(ssm.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.LoadContext(t.Context(), &cfg, b); err != nil {
		t.Fatal(err)
	}
	if cfg.DB.Host != "db.internal" || len(cfg.Hosts) != 2 || cfg.Token != "tok-2" {
		t.Errorf("host %q, %d hosts, token right: %v", cfg.DB.Host, len(cfg.Hosts), cfg.Token == "tok-2")
	}
	if pw, err := cfg.DB.Password.Get(t.Context()); err != nil || pw != "pw-1" {
		t.Errorf("password: %v", err)
	}
	// Four names: one GetParameters request (it takes up to 10 names).
	if n := srv.Requests(ssmtest.OpGetParameters); n != 1 {
		t.Errorf("%d GetParameters requests, want 1", n)
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	type FlagsConfig struct {
		Stage string
		Flags map[string]string `secret:"/app/<stage>/flags/,prefix"` // every parameter under the path
	}

	srv := ssmtest.NewServer(t)
	srv.Put("/app/prod/flags/beta", "on")
	srv.Put("/app/prod/flags/checkout/v2", "off")

	b, err := ssm.New(ssm.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	flags := FlagsConfig{Stage: "prod"}
	if err := vaultly.LoadContext(t.Context(), &flags, b); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"beta": "on", "checkout/v2": "off"}
	if !maps.Equal(flags.Flags, want) {
		t.Errorf("flags %v, want %v", flags.Flags, want)
	}
	// Two parameters: one GetParametersByPath page (it holds up to 10).
	if n := srv.Requests(ssmtest.OpGetParametersByPath); n != 1 {
		t.Errorf("%d GetParametersByPath requests, want 1", n)
	}
}

func ExampleWithRateLimit() {
	// Parameter Store allows 40 requests a second for the whole account
	// and region. Twenty instances of this service: 2 a second each, and
	// bursts of 10 so that a Load of up to 100 names is not slowed.
	b, err := ssm.New(ssm.WithRegion("eu-west-1"), ssm.WithRateLimit(2, 10))
	if err != nil {
		log.Fatal(err) // a rate or burst out of range names WithRateLimit
	}
	cfg := Config{Stage: "prod"}
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
