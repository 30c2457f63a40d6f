package secretsmanager_test

import (
	"context"
	"fmt"
	"log"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// The Go blocks of docs/secretsmanager.md are mirrored here, each in the
// function the page names after it; TestDocsMirrored checks that they
// match.

type Config struct {
	Stage string // fills <stage>
	DB    struct {
		User     string                 `secret:"<stage>/app/db,key=username"`
		Password vaultly.Secret[string] `secret:"<stage>/app/db,key=password,ttl=5m,stale_on_error"`
	}
	APIKey   string            `secret:"<stage>/app/api-key"`
	Previous string            `secret:"<stage>/app/api-key,version=AWSPREVIOUS"` // the value before the last rotation
	TLSKey   []byte            `secret:"<stage>/app/tls-key"`                     // a SecretBinary: its bytes, unchanged
	Flags    map[string]string `secret:"<stage>/app/flags/,prefix"`               // every secret under the folder
}

func ExampleNew() {
	// Region, credentials and endpoint come from the environment
	// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...);
	// WithRegion overrides the region.
	b, err := secretsmanager.New(secretsmanager.WithRegion("eu-west-1"))
	if err != nil {
		log.Fatal(err) // matches vaultly.ErrConfig: no region, a bad option
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		log.Fatal(err) // names every failing field, never a value
	}
}

func ExampleNew_retry() {
	inner, err := secretsmanager.New(secretsmanager.WithRateLimit(20, 5))
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
	srv := smtest.NewServer(t) // closed by t.Cleanup; a bad option fails the test
	srv.Put("prod/app/db", `{"username":"app","password":"pw-1"}`)
	srv.Put("prod/app/api-key", "key-1")
	srv.Put("prod/app/api-key", "key-2") // key-1 becomes AWSPREVIOUS
	srv.PutBinary("prod/app/tls-key", []byte{0x30, 0x82, 0x01, 0x0a})
	srv.Put("prod/app/flags/beta", "on")
	srv.Put("prod/app/flags/eu/dark-mode", "off")

	b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.LoadContext(t.Context(), &cfg, b); err != nil {
		t.Fatal(err)
	}
	if cfg.DB.User != "app" || cfg.APIKey != "key-2" || cfg.Previous != "key-1" || len(cfg.TLSKey) != 4 {
		t.Errorf("user %q, key right: %v, previous right: %v, %d key bytes",
			cfg.DB.User, cfg.APIKey == "key-2", cfg.Previous == "key-1", len(cfg.TLSKey))
	}
	if cfg.Flags["eu/dark-mode"] != "off" || len(cfg.Flags) != 2 {
		t.Errorf("flags %v", cfg.Flags)
	}
	if pw, err := cfg.DB.Password.Get(t.Context()); err != nil || pw != "pw-1" {
		t.Errorf("password: %v", err)
	}
	// One BatchGetSecretValue for the three current secrets (up to 20 a
	// call), one GetSecretValue for AWSPREVIOUS, one listing for the prefix.
	if n := srv.Requests(smtest.OpBatchGetSecretValue); n != 2 {
		t.Errorf("%d BatchGetSecretValue requests, want 2", n)
	}
	if n := srv.Requests(smtest.OpGetSecretValue); n != 1 {
		t.Errorf("%d GetSecretValue requests, want 1", n)
	}
}

func Example_smtest() {
	srv, err := smtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	old := srv.Put("prod/db/password", "pw-1")
	srv.Put("prod/db/password", "pw-2")
	srv.PutStaged("prod/db/password", "pw-3", smtest.StagePending) // a rotation in progress

	b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	var cfg struct {
		Password string `secret:"prod/db/password"`
		Pending  string `secret:"prod/db/password,version=AWSPENDING"`
	}
	if err := vaultly.LoadContext(context.Background(), &cfg, b); err != nil {
		log.Fatal(err)
	}
	first, err := b.Get(context.Background(), vaultly.Ref{Path: "prod/db/password", Version: old}) // a version id
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Password, cfg.Pending, first)
	fmt.Println(srv.Requests(smtest.OpBatchGetSecretValue), "batch,", srv.Requests(smtest.OpGetSecretValue), "single")
	// Output:
	// pw-2 pw-3 pw-1
	// 1 batch, 2 single
}
