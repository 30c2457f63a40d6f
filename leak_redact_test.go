package vaultly_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
)

// tooDeep is what Redact prints in place of a value nested deeper than
// its limit.
const tooDeep = "<too deep>"

// deepList returns a linked list of n nodes, each holding the secret.
func deepList(n int) *rNode {
	var head *rNode
	for range n {
		head = &rNode{Name: "n", Pass: secretText, Next: head}
	}
	return head
}

// deepSlice and deepMap may hold secrets (an interface), so Redact walks
// them: values of types that cannot hold one are printed natively.
type deepSlice []any

type deepMap map[string]any

// deepShapes are values nested far deeper than Redact's limit, each
// built with n levels.
func deepShapes(n int) map[string]any {
	var s deepSlice
	var m deepMap
	var p any
	for range n {
		s = deepSlice{s, rInner{Pass: secretText}}
		m = deepMap{"k": m, "p": rInner{Pass: secretText}}
		q := p
		p = &q
	}
	return map[string]any{
		"list":            deepList(n),
		"slice":           s,
		"map":             m,
		"pointer chain":   p,
		"list in a field": struct{ L *rNode }{deepList(n)},
	}
}

// renderAll prints r with fmt, json.Marshal and both slog handlers.
func renderAll(t *testing.T, r any) map[string]string {
	t.Helper()
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if !json.Valid(j) {
		t.Fatalf("json.Marshal gave invalid JSON: %.200s", j)
	}
	var jb, tb bytes.Buffer
	slog.New(slog.NewJSONHandler(&jb, nil)).Info("m", "c", r)
	slog.New(slog.NewTextHandler(&tb, nil)).Info("m", "c", r)
	return map[string]string{
		"Sprint":    fmt.Sprint(r),
		"%#v":       fmt.Sprintf("%#v", r),
		"json":      string(j),
		"slog JSON": strings.SplitN(jb.String(), `"msg":"m",`, 2)[1],
		"slog text": strings.SplitN(tb.String(), "msg=m ", 2)[1],
	}
}

// TestLeakRedactDeepValues: values nested far deeper than Redact's limit
// (a 16k-node linked list, nested slices, maps and pointers) print quickly
// with "<too deep>" where the limit cuts them, hide every secret, and
// print the same at 4k and 16k levels: the work stops at the limit.
func TestLeakRedactDeepValues(t *testing.T) {
	t.Parallel()
	small, big := deepShapes(4096), deepShapes(16384)
	for name := range big {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got4k := renderAll(t, vaultly.Redact(small[name]))
			got16k := renderAll(t, vaultly.Redact(big[name]))
			for how, out := range got16k {
				if strings.Contains(out, secretText) {
					t.Errorf("%s reveals the secret", how)
				}
				if !strings.Contains(out, tooDeep) && !strings.Contains(out, `\u003ctoo deep\u003e`) {
					t.Errorf("%s has no %s: %.300s", how, tooDeep, out)
				}
				if len(out) > 64<<10 {
					t.Errorf("%s is %d bytes: the limit did not stop the walk", how, len(out))
				}
				if out != got4k[how] {
					t.Errorf("%s differs between 4k and 16k levels", how)
				}
			}
		})
	}
}

// TestLeakRedactDepthLimit: the limit is 100 levels (each struct, slice,
// array, map and pointer is one), so a 50-node list prints whole and a
// longer one is cut after its 50th node.
func TestLeakRedactDepthLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		nodes, shown int
		cut          bool
	}{
		{nodes: 49, shown: 49},
		{nodes: 50, shown: 50},
		{nodes: 51, shown: 50, cut: true},
		{nodes: 1000, shown: 50, cut: true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.nodes), func(t *testing.T) {
			t.Parallel()
			out := fmt.Sprint(vaultly.Redact(deepList(tc.nodes)))
			if got := strings.Count(out, "Pass:***"); got != tc.shown {
				t.Errorf("%d nodes shown, want %d", got, tc.shown)
			}
			if got := strings.Contains(out, "Next:"+tooDeep); got != tc.cut {
				t.Errorf("cut = %v, want %v: ...%s", got, tc.cut, out[max(0, len(out)-80):])
			}
		})
	}
}

// TestLeakRedactWideValueIsWhole: the limit is on depth only: a wide value
// (4k list heads in a slice, each list 20 nodes) is printed whole, and its
// output is four times that of 1k heads.
func TestLeakRedactWideValueIsWhole(t *testing.T) {
	t.Parallel()
	wide := func(n int) []*rNode {
		s := make([]*rNode, n)
		for i := range s {
			s[i] = deepList(20)
		}
		return s
	}
	small, big := renderAll(t, vaultly.Redact(wide(1024))), renderAll(t, vaultly.Redact(wide(4096)))
	for _, how := range []string{"Sprint", "json"} {
		if strings.Contains(big[how], "too deep") {
			t.Errorf("%s: a wide value was cut", how)
		}
		// One list head prints as e bytes, joined by one separator and
		// framed by two brackets: n*e + (n-1) + 2 = n*(e+1) + 1.
		e1 := (len(small[how]) - 1) / 1024
		if want := 4096*e1 + 1; len(big[how]) != want {
			t.Errorf("%s: 4k heads print %d bytes, want %d (1k: %d)", how, len(big[how]), want, len(small[how]))
		}
		if got := strings.Count(big[how], "***"); got != 4096*20 {
			t.Errorf("%s: %d secrets masked, want %d", how, got, 4096*20)
		}
	}
}

// TestLeakRedactErrorsByText: Redact shows an error value by its Error()
// text, in every output, instead of walking its fields (where a cause may
// hold what Error() withholds); an error type that itself holds
// secret-tagged fields is still walked and masked.
func TestLeakRedactErrorsByText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		v    any
		text string
		json string
	}{
		{"errors.New", errors.New("boom"), "boom", `"boom"`},
		{"in a field", rIface{Err: errors.New("boom")}, "{Any:<nil> Ptr:<nil> Nil:<nil> Err:boom}", `{"Any":null,"Ptr":null,"Nil":null,"Err":"boom"}`},
		{"fields not shown", &vaultly.FieldError{Field: "F", Err: &leakFieldsErr{Value: secretText}}, "vaultly: F: leak fields error", `"vaultly: F: leak fields error"`},
		{"nil pointer error", rIface{Err: (*leakFieldsErr)(nil)}, "{Any:<nil> Ptr:<nil> Nil:<nil> Err:<nil>}", `{"Any":null,"Ptr":null,"Nil":null,"Err":null}`},
		{"error with secret fields", rIface{Err: leakTaggedErr{In: rInner{Pass: secretText, Host: "h"}}}, "{Any:<nil> Ptr:<nil> Nil:<nil> Err:{In:{Pass:*** Host:h}}}", `{"Any":null,"Ptr":null,"Nil":null,"Err":{"In":{"Pass":"***","Host":"h"}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := renderAll(t, vaultly.Redact(tc.v))
			for how, s := range out {
				if strings.Contains(s, secretText) {
					t.Errorf("%s reveals the secret: %s", how, s)
				}
			}
			if out["Sprint"] != tc.text {
				t.Errorf("Sprint = %s, want %s", out["Sprint"], tc.text)
			}
			if out["json"] != tc.json {
				t.Errorf("json = %s, want %s", out["json"], tc.json)
			}
		})
	}
}

// leakFieldsErr's Error() says nothing of its fields.
type leakFieldsErr struct{ Value string }

func (*leakFieldsErr) Error() string { return "leak fields error" }

// leakTaggedErr holds a secret-tagged field and quotes it in Error():
// Redact must walk it and mask the field, not print Error().
type leakTaggedErr struct{ In rInner }

func (e leakTaggedErr) Error() string { return "tagged " + e.In.Pass }

// BenchmarkRedactDeepList: a 16k-node list, printed with fmt and JSON.
func BenchmarkRedactDeepList(b *testing.B) {
	for _, n := range []int{1024, 16384} {
		l := deepList(n)
		b.Run(fmt.Sprintf("nodes=%d/fmt", n), func(b *testing.B) {
			for b.Loop() {
				_ = fmt.Sprint(vaultly.Redact(l))
			}
		})
		b.Run(fmt.Sprintf("nodes=%d/json", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = json.Marshal(vaultly.Redact(l))
			}
		})
	}
}

// BenchmarkRedactWide: n 40-node lists in a slice, printed whole.
func BenchmarkRedactWide(b *testing.B) {
	for _, n := range []int{1024, 16384} {
		for _, how := range []string{"fmt", "json"} {
			b.Run(fmt.Sprintf("heads=%d/%s", n, how), func(b *testing.B) {
				s := make([]*rNode, n)
				for i := range s {
					s[i] = deepList(40)
				}
				b.ResetTimer()
				for b.Loop() {
					if how == "fmt" {
						_ = fmt.Sprint(vaultly.Redact(s))
					} else {
						_, _ = json.Marshal(vaultly.Redact(s))
					}
				}
			})
		}
	}
}

// leakTextKey is a map key that encoding/json names by MarshalText.
type leakTextKey struct{ A, B int }

func (k leakTextKey) MarshalText() ([]byte, error) {
	return []byte(fmt.Sprintf("%d-%d", k.A, k.B)), nil
}

// TestLeakRedactRendersLikeFmtAndJSON: Redact renders its masked view
// itself (to stay linear); where nothing is masked it prints what fmt's
// %+v prints and marshals what encoding/json marshals, map key order,
// nil containers and pointers inside slices included.
func TestLeakRedactRendersLikeFmtAndJSON(t *testing.T) {
	t.Parallel()
	p := &rPlain{Host: "db", Port: 1}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name string
		v    any
	}{
		{"int keys", map[int]any{-1: "a", 10: 2, 2: nil, 0: []any{}}},
		{"uint8 keys", map[uint8]any{200: "a", 3: "b"}},
		{"float keys", map[float64]any{1.5: "x", -2: "y", math.Inf(1): "z", math.NaN(): "n"}},
		{"bool keys", map[bool]any{true: 1, false: 0}},
		{"array keys", map[[2]int]any{{2, 1}: "x", {1, 9}: "y", {1, 2}: "z"}},
		{"struct keys", map[rPlain]any{{"b", 1}: 1, {"a", 2}: 2, {"a", 1}: 3}},
		{"TextMarshaler keys", map[leakTextKey]any{{2, 1}: "x", {10, 0}: "y"}},
		{"time keys", map[time.Time]any{at: 1, at.Add(-time.Hour): 2}},
		{"string keys with HTML", map[string]any{"<b>": "&", "a": "<i>"}},
		{"nil map", map[int]any(nil)},
		{"nil slice in a map", map[string]any{"s": []any(nil), "m": map[string]any(nil)}},
		{"nested", []any{map[string]any{"b": []any{1, "x", nil, p, at}, "a": map[int]any{}}, [2]any{1.5, "s"}}},
		{"pointers in a slice", []any{p, &at, &[]int{1}}},
		{"bytes and runes", []any{[]byte("ab"), 'x', uint8(7)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := vaultly.Redact(tc.v)
			if got, want := fmt.Sprint(r), fmt.Sprintf("%+v", tc.v); got != want {
				t.Errorf("Sprint = %s, want %s", got, want)
			}
			got, gotErr := json.Marshal(r)
			want, wantErr := json.Marshal(tc.v)
			if (gotErr != nil) != (wantErr != nil) || string(got) != string(want) {
				t.Errorf("json.Marshal = %s, %v; want %s, %v", got, gotErr, want, wantErr)
			}
		})
	}
}
