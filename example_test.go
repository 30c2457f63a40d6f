package vaultly_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// Load fills plain fields at once and binds Secret fields to the cache.
func Example() {
	type DB struct {
		Password vaultly.Secret[string] `secret:"/db/<stage>/password,ttl=5m,stale_on_error"`
		PoolSize int                    `secret:"/db/<stage>/pool_size"`
	}
	type Config struct {
		Stage   string // fills <stage>
		DB      DB
		Flags   map[string]bool `secret:"/<stage>/feature_flags"`
		Timeout time.Duration   `secret:"/<stage>/http/timeout"`
	}
	backend := mock.New(map[string]string{
		"/db/prod/password":   "s3cr3t",
		"/db/prod/pool_size":  "20",
		"/prod/feature_flags": `{"new_checkout":true}`,
		"/prod/http/timeout":  "2.5s",
	})

	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, backend); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.DB.PoolSize, cfg.Flags["new_checkout"], cfg.Timeout)
	fmt.Println("round trips:", backend.Requests()) // one GetBatch for the plain fields

	pw, err := cfg.DB.Password.Get(context.Background())
	fmt.Println(len(pw), err)
	// Output:
	// 20 true 2.5s
	// round trips: 1
	// 6 <nil>
}

// Load reports every failing field at once and leaves the struct as it was.
func ExampleLoad_errors() {
	var cfg struct {
		User     string `secret:"/db/user"`
		Port     int    `secret:"/db/port"`
		Password string `secret:"/db/password"`
	}
	backend := mock.New(map[string]string{"/db/user": "app", "/db/port": "not-a-port"})
	err := vaultly.Load(&cfg, backend)
	fmt.Println(errors.Is(err, vaultly.ErrNotFound), errors.Is(err, vaultly.ErrConfig))
	fmt.Println(err)
	fmt.Printf("User still %q\n", cfg.User)
	// Output:
	// true true
	// vaultly: struct.Port (/db/port): decode: invalid number for int
	// vaultly: struct.Password (/db/password): mock: secret not found
	// User still ""
}

// A Secret reads through the cache; it never prints its value.
func ExampleSecret() {
	var cfg struct {
		APIKey vaultly.Secret[string] `secret:"/services/openai/key,ttl=15m"`
	}
	backend := mock.New(map[string]string{"/services/openai/key": "sk-live-123"})
	if err := vaultly.Load(&cfg, backend); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for range 3 {
		if _, err := cfg.APIKey.Get(ctx); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println("backend calls:", len(backend.Calls()))
	fmt.Printf("%v %+v %q %s\n", cfg.APIKey, cfg.APIKey, cfg.APIKey, cfg.APIKey.Ref())
	// Output:
	// backend calls: 1
	// *** *** "***" /services/openai/key
}

// Redact makes a loaded config safe for the startup log line.
func ExampleRedact() {
	type Config struct {
		Stage    string
		Region   string
		Password vaultly.Secret[string] `secret:"/db/<stage>/password"`
		Token    string                 `secret:"/<stage>/token"`
	}
	backend := mock.New(map[string]string{"/db/prod/password": "pw", "/prod/token": "tok"})
	cfg := Config{Stage: "prod", Region: "eu-west-1"}
	if err := vaultly.Load(&cfg, backend); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vaultly.Redact(cfg))

	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("config loaded", "config", vaultly.Redact(cfg))
	// Output:
	// {Stage:prod Region:eu-west-1 Password:*** Token:***}
	// {"level":"INFO","msg":"config loaded","config":{"Stage":"prod","Region":"eu-west-1","Password":"***","Token":"***"}}
}

// A Loader shares one cache between structs and can drop entries.
func ExampleLoader() {
	backend := mock.New(map[string]string{"/k": "v1"})
	loader, err := vaultly.New(backend, vaultly.WithDefaultTTL(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	defer loader.Close()

	var cfg struct {
		K vaultly.Secret[string] `secret:"/k"`
	}
	ctx := context.Background()
	if err := loader.Load(ctx, &cfg); err != nil {
		fmt.Println(err)
		return
	}
	v, _ := cfg.K.Get(ctx)
	backend.Set("/k", "v2")
	cached, _ := cfg.K.Get(ctx)
	loader.Invalidate(cfg.K.Ref())
	fresh, _ := cfg.K.Get(ctx)
	fmt.Println(v, cached, fresh)
	// Output: v1 v1 v2
}

// WithDecoder teaches Load a type it does not know.
func ExampleWithDecoder() {
	type Level int
	parse := func(s string) (Level, error) {
		switch s {
		case "debug":
			return 0, nil
		case "info":
			return 1, nil
		}
		return 0, errors.New("unknown level")
	}
	var cfg struct {
		Level Level `secret:"/log/level"`
	}
	err := vaultly.Load(&cfg, mock.New(map[string]string{"/log/level": "info"}), vaultly.WithDecoder(parse))
	fmt.Println(cfg.Level, err)
	// Output: 1 <nil>
}
