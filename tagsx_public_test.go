package vaultly_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// pubConfig mixes public configuration values with secrets.
type pubConfig struct {
	Stage    string
	PoolSize int           `secret:"/db/<stage>/pool_size,public"`
	Timeout  time.Duration `secret:"/db/<stage>/timeout, public ,optional"`
	Hosts    []string      `secret:"/db/<stage>/hosts,public" json:"hosts"`
	Password string        `secret:"/db/<stage>/password"`
	// public on a Secret keeps it masked: Redact never reads the cache.
	Token vaultly.Secret[string] `secret:"/db/<stage>/token,public"`
}

// TestPublicShownByRedact: a field tagged public is configuration, not a
// secret: Redact shows its value under fmt, JSON and slog, while every
// field without public (and every Secret, public or not) stays masked.
func TestPublicShownByRedact(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{
		"/db/prod/pool_size": "20",
		"/db/prod/timeout":   "1500ms",
		"/db/prod/hosts":     "a.example, b.example",
		"/db/prod/password":  secretText,
		"/db/prod/token":     secretText,
	})
	cfg := pubConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	jsonOut, err := json.Marshal(vaultly.Redact(cfg))
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info("m", "c", vaultly.Redact(&cfg))
	slog.New(slog.NewJSONHandler(&js, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info("m", "c", vaultly.Redact(&cfg))

	tests := []struct {
		name, got, want string
	}{
		{"%v", fmt.Sprintf("%v", vaultly.Redact(cfg)),
			"{Stage:prod PoolSize:20 Timeout:1.5s Hosts:[a.example b.example] Password:*** Token:***}"},
		{"%+v of a pointer", fmt.Sprintf("%+v", vaultly.Redact(&cfg)),
			"{Stage:prod PoolSize:20 Timeout:1.5s Hosts:[a.example b.example] Password:*** Token:***}"},
		{"JSON", string(jsonOut),
			`{"Stage":"prod","PoolSize":20,"Timeout":1500000000,"hosts":["a.example","b.example"],"Password":"***","Token":"***"}`},
		{"slog text", text.String(),
			"level=INFO msg=m c.Stage=prod c.PoolSize=20 c.Timeout=1.5s c.Hosts=\"[a.example b.example]\" c.Password=*** c.Token=***\n"},
		{"slog JSON", js.String(),
			`{"level":"INFO","msg":"m","c":{"Stage":"prod","PoolSize":20,"Timeout":1500000000,"Hosts":["a.example","b.example"],"Password":"***","Token":"***"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
			if strings.Contains(tt.got, secretText) {
				t.Errorf("shows the secret: %s", tt.got)
			}
		})
	}
}

// TestPublicOnlyWithAValidTag: a field whose tag is malformed, or that
// has no public option, stays masked even if its neighbours are public.
func TestPublicOnlyWithAValidTag(t *testing.T) {
	t.Parallel()
	type cfg struct {
		A string `secret:"/a,public"`
		B string `secret:"/b"`
		C string `secret:"/c,public=true"` // malformed: masked
		D string `secret:"/d,Public"`      // unknown option: masked
		E string `secret:"/e,optional,public,ttl=1m"`
	}
	v := cfg{A: "a-val", B: "b-val", C: "c-val", D: "d-val", E: "e-val"}
	got := fmt.Sprint(vaultly.Redact(v))
	if want := "{A:a-val B:*** C:*** D:*** E:e-val}"; got != want {
		t.Errorf("Redact = %s, want %s", got, want)
	}
}

// TestPublicValuesNeverInErrors: public marks a value for Redact only.
// A public value that does not decode is an error that quotes nothing of
// it, and a malformed public option is a configuration error.
func TestPublicValuesNeverInErrors(t *testing.T) {
	t.Parallel()
	const bad = "twenty-SECRETISH"
	tests := []struct {
		name   string
		dst    any
		values map[string]string
		kind   error
		inErr  string
	}{
		{"bad public int", &struct {
			N int `secret:"/n,public"`
		}{}, map[string]string{"/n": bad}, vaultly.ErrConfig, "vaultly: struct.N (/n): decode: invalid number for int"},
		{"public takes no value", &struct {
			N int `secret:"/n,public=yes"`
		}{}, nil, vaultly.ErrConfig, `option "public" takes no value`},
		{"public twice", &struct {
			N int `secret:"/n,public,public"`
		}{}, nil, vaultly.ErrConfig, `option "public" given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := vaultly.Load(tt.dst, mock.New(tt.values))
			if !errors.Is(err, tt.kind) || !strings.Contains(fmt.Sprint(err), tt.inErr) {
				t.Fatalf("Load error = %v, want %v containing %q", err, tt.kind, tt.inErr)
			}
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprint(vaultly.Redact(err))} {
				if strings.Contains(out, bad) {
					t.Errorf("error shows the value: %s", out)
				}
			}
		})
	}
}

// dropTime removes slog's time attribute, so outputs compare exactly.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
		return slog.Attr{}
	}
	return a
}
