package vaultly_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// leakText is the secret value of the decode leak tests: a quote, a
// newline and a backslash around it, so that quoted and escaped forms are
// tried too. leakMark is the part that must never be shown.
const (
	leakText = `hunter2"` + "\n" + `\x`
	leakMark = "hunter2"
)

// leakNum is decoded by strconv.Atoi through WithDecoder: the
// *strconv.NumError quotes the value in its Num field.
type leakNum int

// leakJSON's UnmarshalJSON reports a type mismatch whose Field is built
// from the input, as custom unmarshalers (and encoding/json under
// GOEXPERIMENT=jsonv2, for map keys) do.
type leakJSON struct{}

func (*leakJSON) UnmarshalJSON(b []byte) error {
	return &json.UnmarshalTypeError{Value: "string", Type: reflect.TypeFor[leakJSON](), Field: string(b)}
}

type leakJSONStruct struct {
	A map[string]int
}

// leakErrs loads text into a plain T field (the Load error) and into a
// Secret[T] (the Get error).
func leakErrs[T any](t *testing.T, text string, opts ...vaultly.Option) (loadErr, getErr error) {
	t.Helper()
	b := mock.New(map[string]string{"/f": text})
	var eager struct {
		F T `secret:"/f"`
	}
	loadErr = vaultly.Load(&eager, b, opts...)
	var lazy struct {
		F vaultly.Secret[T] `secret:"/f"`
	}
	if err := vaultly.Load(&lazy, b, append(opts, vaultly.WithPrefetch(false))...); err != nil {
		t.Fatalf("lazy Load: %v", err)
	}
	_, getErr = lazy.F.Get(context.Background())
	return loadErr, getErr
}

// hasCauseType reports whether the tree of err holds an error whose type
// prints as name.
func hasCauseType(err error, name string) bool {
	if err == nil {
		return false
	}
	if fmt.Sprintf("%T", err) == name {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return hasCauseType(u.Unwrap(), name)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if hasCauseType(e, name) {
				return true
			}
		}
	}
	return false
}

// vaultlyErrors returns err and every error of vaultly's own types in its
// tree (the foreign causes are left out: what they print is their own).
func vaultlyErrors(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if strings.HasPrefix(strings.TrimLeft(fmt.Sprintf("%T", e), "*"), "vaultly.") {
			out = append(out, e)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	if len(out) == 0 || out[0] != err {
		out = append([]error{err}, out...)
	}
	return out
}

// renderings prints v every way a program might: every fmt verb,
// json.Marshal, both slog handlers.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	if j, err := json.Marshal(v); err != nil {
		out["json.Marshal error"] = err.Error()
	} else {
		out["json.Marshal"] = string(j)
	}
	var jb, tb bytes.Buffer
	slog.New(slog.NewJSONHandler(&jb, nil)).Info("m", "v", v)
	slog.New(slog.NewTextHandler(&tb, nil)).Info("m", "v", v)
	out["slog JSON"] = jb.String()
	out["slog text"] = tb.String()
	return out
}

// checkNoLeak fails if any rendering of err, of a struct holding it or of
// Redact over either shows the value, plain or hex-encoded.
func checkNoLeak(t *testing.T, err error) {
	t.Helper()
	marks := []string{leakMark, hex.EncodeToString([]byte(leakMark)), strings.ToUpper(hex.EncodeToString([]byte(leakMark)))}
	check := func(what string, v any) {
		t.Helper()
		for how, s := range renderings(t, v) {
			for _, m := range marks {
				if strings.Contains(s, m) {
					t.Errorf("%s of %T, %s, shows the value:\n%s", how, err, what, s)
				}
			}
		}
	}
	holder := struct{ Err error }{err}
	check("err", err)
	check("struct{Err error}", holder)
	check("&struct{Err error}", &holder)
	check("Redact(err)", vaultly.Redact(err))
	check("Redact(struct{Err error})", vaultly.Redact(holder))
	if msg := err.Error(); strings.Contains(msg, leakMark) {
		t.Errorf("Error() of %T shows the value: %s", err, msg)
	}
	if fe, ok := err.(*vaultly.FieldError); ok {
		check("FieldError value", *fe)
	}
}

// TestLeakDecodeErrors: a value that fails to decode, with a cause from
// outside vaultly that quotes it (time, netip, url, strconv through
// WithDecoder, encoding/json and a custom UnmarshalJSON), is never shown by
// the errors Load and Secret.Get return, however they are printed,
// marshalled, logged or redacted, and the cause stays reachable.
func TestLeakDecodeErrors(t *testing.T) {
	t.Parallel()
	atoi := vaultly.WithDecoder(func(s string) (leakNum, error) {
		n, err := strconv.Atoi(s)
		return leakNum(n), err
	})
	quoting := vaultly.WithDecoder(func(s string) (leakNum, error) {
		return 0, fmt.Errorf("bad number %q: %w", s, strconv.ErrSyntax)
	})
	cases := []struct {
		name  string
		errs  func(t *testing.T) (error, error)
		reach func(err error) bool // the cause is reachable; nil: no cause kept
	}{
		{
			name:  "time.Time",
			errs:  func(t *testing.T) (error, error) { return leakErrs[time.Time](t, leakText) },
			reach: func(err error) bool { var pe *time.ParseError; return errors.As(err, &pe) && pe.Value == leakText },
		},
		{
			name:  "netip.Addr",
			errs:  func(t *testing.T) (error, error) { return leakErrs[netip.Addr](t, leakText) },
			reach: func(err error) bool { return hasCauseType(err, "netip.parseAddrError") },
		},
		{
			name:  "netip.Prefix",
			errs:  func(t *testing.T) (error, error) { return leakErrs[netip.Prefix](t, leakText) },
			reach: func(err error) bool { return hasCauseType(err, "netip.parsePrefixError") },
		},
		{
			name: "url.Parse through WithDecoder",
			errs: func(t *testing.T) (error, error) {
				return leakErrs[*url.URL](t, leakText, vaultly.WithDecoder(url.Parse))
			},
			reach: func(err error) bool { var ue *url.Error; return errors.As(err, &ue) && ue.URL == leakText },
		},
		{
			name: "strconv through WithDecoder",
			errs: func(t *testing.T) (error, error) { return leakErrs[leakNum](t, leakText, atoi) },
			reach: func(err error) bool {
				var ne *strconv.NumError
				return errors.As(err, &ne) && ne.Num == leakText && errors.Is(err, strconv.ErrSyntax)
			},
		},
		{
			name:  "fmt.Errorf quoting through WithDecoder",
			errs:  func(t *testing.T) (error, error) { return leakErrs[leakNum](t, leakText, quoting) },
			reach: func(err error) bool { return errors.Is(err, strconv.ErrSyntax) },
		},
		{
			name: "JSON map key",
			errs: func(t *testing.T) (error, error) {
				return leakErrs[map[string]int](t, `{"hunter2\"\n\\x": "v"}`)
			},
		},
		{
			name: "JSON nested map key",
			errs: func(t *testing.T) (error, error) {
				return leakErrs[leakJSONStruct](t, `{"A": {"hunter2\"\n\\x": 99999999999999999999}}`)
			},
		},
		{
			name: "JSON custom unmarshaler",
			errs: func(t *testing.T) (error, error) { return leakErrs[leakJSON](t, `"hunter2\"\n\\x"`) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loadErr, getErr := tc.errs(t)
			for _, top := range []struct {
				name string
				err  error
			}{{"Load", loadErr}, {"Get", getErr}} {
				err := top.err
				if !errors.Is(err, vaultly.ErrConfig) || !vaultly.IsConversionError(err) {
					t.Fatalf("%s: want a conversion error matching ErrConfig, got %v", top.name, err)
				}
				var fe *vaultly.FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("%s: no *FieldError in %v", top.name, err)
				}
				if top.name == "Get" && err != error(fe) {
					t.Errorf("Get returned %T, want the *FieldError itself", err)
				}
				if tc.reach != nil && !tc.reach(err) {
					t.Errorf("%s: the cause is not reachable: %v", top.name, err)
				}
				for _, e := range vaultlyErrors(err) {
					checkNoLeak(t, e)
				}
			}
		})
	}
}
