package vaultly_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// secretText is the value every redaction test hides; it must never appear
// in any output.
const secretText = "hunter2SECRET"

type rInner struct {
	Pass string `secret:"/p"`
	Host string
}

type rPlain struct {
	Host string
	Port int
}

type rNested struct {
	Stage  string
	DB     rInner
	Ptr    *rInner
	Nil    *rInner
	Plain  rPlain
	hidden string //nolint:unused // must be left out
}

type rShapes struct {
	M map[string]rInner
	S []rInner
	A [1]rInner
}

type rIntKeys struct {
	I map[int]rInner
}

type rIface struct {
	Any any
	Ptr any
	Nil any
	Err error
}

type rTime struct {
	At   time.Time
	Pass string `secret:"/p"`
}

type rJSONNames struct {
	Token string `secret:"/t" json:"token"`
	Skip  string `json:"-"`
	//lint:ignore SA5008 a field named "-" in JSON is what this case checks
	Dash string `json:"-,"`
	Opt  string `json:",omitempty"`
}

type rNode struct {
	Name string
	Pass string `secret:"/n"`
	Next *rNode
}

type rTree struct {
	Pass string `secret:"/p"`
	Kids []rTree
}

type rSecrets struct {
	List []vaultly.Secret[string]
	Ptr  *vaultly.Secret[string]
}

// loadedSecret returns a Secret holding secretText, already fetched.
func loadedSecret(t *testing.T) vaultly.Secret[string] {
	t.Helper()
	var cfg struct {
		Pw vaultly.Secret[string] `secret:"/pw"`
	}
	if err := vaultly.Load(&cfg, mock.New(map[string]string{"/pw": secretText})); err != nil {
		t.Fatal(err)
	}
	if got, err := cfg.Pw.Get(context.Background()); err != nil || got != secretText {
		t.Fatalf("Get = %q, %v", got, err)
	}
	return cfg.Pw
}

type redactCase struct {
	name     string
	v        any
	text     string // fmt.Sprint
	json     string // json.Marshal; "" = not compared
	slogJSON string // the "c" attribute as the JSON handler writes it; "" = not compared
	slogText string // the text handler's line after "level=INFO msg=m "; "" = not compared
}

func redactCases(t *testing.T) []redactCase {
	in := rInner{Pass: secretText, Host: "h"}
	self := &rNode{Name: "a", Pass: secretText}
	self.Next = self
	ring := &rNode{Name: "x", Pass: secretText, Next: &rNode{Name: "y", Pass: secretText}}
	ring.Next.Next = ring
	kids := make([]rTree, 1)
	kids[0] = rTree{Pass: secretText, Kids: kids}
	m := map[string]any{"p": in}
	m["self"] = m
	sec := loadedSecret(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	return []redactCase{
		{
			name:     "nested struct and pointers",
			v:        rNested{Stage: "prod", DB: in, Ptr: &in, Plain: rPlain{"db", 5432}, hidden: secretText},
			text:     "{Stage:prod DB:{Pass:*** Host:h} Ptr:{Pass:*** Host:h} Nil:<nil> Plain:{Host:db Port:5432}}",
			json:     `{"Stage":"prod","DB":{"Pass":"***","Host":"h"},"Ptr":{"Pass":"***","Host":"h"},"Nil":null,"Plain":{"Host":"db","Port":5432}}`,
			slogJSON: `{"Stage":"prod","DB":{"Pass":"***","Host":"h"},"Ptr":{"Pass":"***","Host":"h"},"Nil":null,"Plain":{"Host":"db","Port":5432}}`,
			slogText: "c.Stage=prod c.DB.Pass=*** c.DB.Host=h c.Ptr.Pass=*** c.Ptr.Host=h c.Nil=<nil> c.Plain=\"{Host:db Port:5432}\"",
		},
		{
			name: "pointer to struct",
			v:    &in,
			text: "{Pass:*** Host:h}",
			json: `{"Pass":"***","Host":"h"}`,
		},
		{
			name: "nil pointer",
			v:    (*rInner)(nil),
			text: "<nil>",
			json: "null",
		},
		{
			name: "nil",
			v:    nil,
			text: "<nil>",
			json: "null",
		},
		{
			name:     "map slice array of structs",
			v:        rShapes{M: map[string]rInner{"b": in, "a": in}, S: []rInner{in, in}, A: [1]rInner{in}},
			text:     "{M:map[a:{Pass:*** Host:h} b:{Pass:*** Host:h}] S:[{Pass:*** Host:h} {Pass:*** Host:h}] A:[{Pass:*** Host:h}]}",
			json:     `{"M":{"a":{"Pass":"***","Host":"h"},"b":{"Pass":"***","Host":"h"}},"S":[{"Pass":"***","Host":"h"},{"Pass":"***","Host":"h"}],"A":[{"Pass":"***","Host":"h"}]}`,
			slogJSON: `{"M":{"a":{"Pass":"***","Host":"h"},"b":{"Pass":"***","Host":"h"}},"S":[{"Pass":"***","Host":"h"},{"Pass":"***","Host":"h"}],"A":[{"Pass":"***","Host":"h"}]}`,
			slogText: "c.M=\"map[a:{Pass:*** Host:h} b:{Pass:*** Host:h}]\" c.S=\"[{Pass:*** Host:h} {Pass:*** Host:h}]\" c.A=\"[{Pass:*** Host:h}]\"",
		},
		{
			name: "nil map and slice",
			v:    rShapes{},
			text: "{M:map[] S:[] A:[{Pass:*** Host:}]}",
			json: `{"M":null,"S":null,"A":[{"Pass":"***","Host":""}]}`,
		},
		{
			name: "top-level slice",
			v:    []rInner{in},
			text: "[{Pass:*** Host:h}]",
			json: `[{"Pass":"***","Host":"h"}]`,
		},
		{
			name: "map with int keys",
			v:    rIntKeys{I: map[int]rInner{10: in, 2: in}},
			text: "{I:map[2:{Pass:*** Host:h} 10:{Pass:*** Host:h}]}",
			json: `{"I":{"10":{"Pass":"***","Host":"h"},"2":{"Pass":"***","Host":"h"}}}`,
		},
		{
			name: "map with interface keys",
			v:    map[any]rInner{"k": in, 1: in},
			text: "map[1:{Pass:*** Host:h} k:{Pass:*** Host:h}]",
			json: `{"1":{"Pass":"***","Host":"h"},"k":{"Pass":"***","Host":"h"}}`,
		},
		// An error is its Error() text in JSON too (encoding/json alone
		// would write its exported fields, here none: {}).
		{
			name:     "interface fields",
			v:        rIface{Any: in, Ptr: &in, Err: errors.New("boom")},
			text:     "{Any:{Pass:*** Host:h} Ptr:{Pass:*** Host:h} Nil:<nil> Err:boom}",
			json:     `{"Any":{"Pass":"***","Host":"h"},"Ptr":{"Pass":"***","Host":"h"},"Nil":null,"Err":"boom"}`,
			slogText: "c.Any.Pass=*** c.Any.Host=h c.Ptr.Pass=*** c.Ptr.Host=h c.Nil=<nil> c.Err=boom",
		},
		{
			name: "any holding nested containers",
			v:    []any{map[string]any{"x": []any{in}}, 3, "s"},
			text: "[map[x:[{Pass:*** Host:h}]] 3 s]",
			json: `[{"x":[{"Pass":"***","Host":"h"}]},3,"s"]`,
		},
		{
			name: "Secret in a slice and behind a pointer",
			v:    rSecrets{List: []vaultly.Secret[string]{sec, sec}, Ptr: &sec},
			text: "{List:[*** ***] Ptr:***}",
			json: `{"List":["***","***"],"Ptr":"***"}`,
		},
		{
			name:     "time.Time printed normally",
			v:        rTime{At: at, Pass: secretText},
			text:     "{At:2026-01-02 03:04:05 +0000 UTC Pass:***}",
			json:     `{"At":"2026-01-02T03:04:05Z","Pass":"***"}`,
			slogJSON: `{"At":"2026-01-02T03:04:05Z","Pass":"***"}`,
			slogText: "c.At=2026-01-02T03:04:05.000Z c.Pass=***",
		},
		{
			name:     "json names and -",
			v:        rJSONNames{Token: secretText, Skip: "s", Dash: "d", Opt: ""},
			text:     "{Token:*** Skip:s Dash:d Opt:}",
			json:     `{"token":"***","-":"d","Opt":""}`,
			slogJSON: `{"Token":"***","Skip":"s","Dash":"d","Opt":""}`,
		},
		{
			name:     "pointer cycle",
			v:        self,
			text:     "{Name:a Pass:*** Next:<cycle>}",
			json:     `{"Name":"a","Pass":"***","Next":"\u003ccycle\u003e"}`,
			slogJSON: `{"Name":"a","Pass":"***","Next":"<cycle>"}`,
			slogText: "c.Name=a c.Pass=*** c.Next=<cycle>",
		},
		{
			name: "two-node ring",
			v:    ring,
			text: "{Name:x Pass:*** Next:{Name:y Pass:*** Next:<cycle>}}",
		},
		{
			name: "slice cycle",
			v:    kids,
			text: "[{Pass:*** Kids:<cycle>}]",
		},
		{
			name: "map cycle",
			v:    m,
			text: "map[p:{Pass:*** Host:h} self:<cycle>]",
		},
		{
			name: "shared pointer is no cycle",
			v:    []*rInner{&in, &in},
			text: "[{Pass:*** Host:h} {Pass:*** Host:h}]",
		},
		{
			name: "already redacted",
			v:    vaultly.Redact(&in),
			text: "{Pass:*** Host:h}",
		},
	}
}

func TestRedactShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range redactCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := vaultly.Redact(tc.v)
			noSecret := func(what, out string) {
				t.Helper()
				if strings.Contains(out, secretText) {
					t.Errorf("%s reveals the secret: %s", what, out)
				}
			}

			text := fmt.Sprint(r)
			noSecret("Sprint", text)
			if diff := cmp.Diff(tc.text, text); diff != "" {
				t.Errorf("Sprint (-want +got):\n%s", diff)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%10s", "%-8v", "%q"} {
				got := fmt.Sprintf(verb, r)
				noSecret(verb, got)
				want := text
				if verb == "%q" {
					want = strconv.Quote(text)
				}
				if got != want {
					t.Errorf("Sprintf(%s) = %s, want %s", verb, got, want)
				}
			}
			if got := fmt.Sprintf("%p", r); !strings.HasPrefix(got, "0x") {
				t.Errorf("Sprintf(%%p) = %s, want an address", got)
			}
			if got := fmt.Sprintf("%T", r); strings.Contains(got, "{") {
				t.Errorf("Sprintf(%%T) = %s", got)
			}

			j, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			noSecret("json.Marshal", string(j))
			if !json.Valid(j) {
				t.Errorf("json.Marshal gave invalid JSON: %s", j)
			}
			if tc.json != "" {
				if diff := cmp.Diff(tc.json, string(j)); diff != "" {
					t.Errorf("json.Marshal (-want +got):\n%s", diff)
				}
			}

			var jb, tb bytes.Buffer
			noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
					return slog.Attr{}
				}
				return a
			}}
			slog.New(slog.NewJSONHandler(&jb, noTime)).Info("m", "c", r)
			slog.New(slog.NewTextHandler(&tb, noTime)).Info("m", "c", r)
			noSecret("slog JSON", jb.String())
			noSecret("slog text", tb.String())
			if tc.slogJSON != "" {
				want := `{"level":"INFO","msg":"m","c":` + tc.slogJSON + "}\n"
				if diff := cmp.Diff(want, jb.String()); diff != "" {
					t.Errorf("slog JSON (-want +got):\n%s", diff)
				}
			}
			if tc.slogText != "" {
				want := "level=INFO msg=m " + tc.slogText + "\n"
				if diff := cmp.Diff(want, tb.String()); diff != "" {
					t.Errorf("slog text (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// The old Redact returned a struct value, and fmt printed %p of a non-pointer
// by dumping its fields.
func TestRedactPercentP(t *testing.T) {
	t.Parallel()
	cfg := rNested{Stage: "prod", DB: rInner{Pass: secretText}}
	for _, v := range []any{cfg, &cfg} {
		got := fmt.Sprintf("%p %v", vaultly.Redact(v), vaultly.Redact(v))
		if strings.Contains(got, secretText) || strings.Contains(got, "%!p") {
			t.Errorf("Sprintf(%%p) = %s", got)
		}
	}
}

// The walk reads the value when it is printed, not when Redact is called.
func TestRedactIsLazy(t *testing.T) {
	t.Parallel()
	cfg := rInner{Host: "before"}
	r := vaultly.Redact(&cfg)
	cfg.Host = "after"
	if got, want := fmt.Sprint(r), "{Pass:*** Host:after}"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Many goroutines print many types at once, for the race detector and the
// per-type caches.
func TestRedactConcurrent(t *testing.T) {
	t.Parallel()
	cases := redactCases(t)
	var wg sync.WaitGroup
	for range 4 {
		for _, tc := range cases {
			wg.Go(func() {
				if out := fmt.Sprint(vaultly.Redact(tc.v)); strings.Contains(out, secretText) {
					t.Errorf("%s: %s", tc.name, out)
				}
				if out, _ := json.Marshal(vaultly.Redact(tc.v)); strings.Contains(string(out), secretText) {
					t.Errorf("%s: %s", tc.name, out)
				}
			})
		}
	}
	wg.Wait()
}
