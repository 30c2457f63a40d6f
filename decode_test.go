package vaultly_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// leakyLevel's decoder quotes part of its input in its error, as careless
// code does.
type leakyLevel int

// TestDecodeFailuresNeverShowTheValue loads a bad value into every kind of
// field and checks the error: it is ErrConfig, names the field and the
// kind of problem, and contains neither the value nor its quoted form nor
// a fragment of it, whatever the value holds (quotes, backslashes,
// newlines).
func TestDecodeFailuresNeverShowTheValue(t *testing.T) {
	t.Parallel()
	const secret = `hunter2"SECRET\x` + "\n" + `tail`
	leaky := vaultly.WithDecoder(func(s string) (leakyLevel, error) {
		return 0, fmt.Errorf("bad level %q (starts %q)", s, s[2:8])
	})
	cases := []struct {
		name string
		typ  reflect.Type
		opt  string // tag options
		text string
		want string // in the error
	}{
		{"int", reflect.TypeFor[int](), "", secret, "invalid number for int"},
		{"int8 out of range", reflect.TypeFor[int8](), "", "300", "out of range for int8"},
		{"uint negative", reflect.TypeFor[uint16](), "", "-5", "invalid number for uint16"},
		{"float", reflect.TypeFor[float64](), "", secret, "invalid number for float64"},
		{"bool", reflect.TypeFor[bool](), "", secret, "invalid boolean"},
		{"duration", reflect.TypeFor[time.Duration](), "", secret, "invalid duration"},
		{"JSON syntax", reflect.TypeFor[map[string]int](), "", `{"a": hunter2SECRET}`, "invalid JSON for map[string]int at byte"},
		{"JSON type", reflect.TypeFor[map[string]int](), "", `{"a": "hunter2SECRET"}`, "JSON type mismatch"},
		{"JSON number range", reflect.TypeFor[map[string]int8](), "", `{"a": 99999}`, "JSON type mismatch"},
		{"string slice JSON", reflect.TypeFor[[]string](), "", `["hunter2SECRET",`, "invalid JSON"},
		{"base64", reflect.TypeFor[[]byte](), ",encoding=base64", secret, "invalid base64 text"},
		{"base64url", reflect.TypeFor[string](), ",encoding=base64url", secret, "invalid base64url text"},
		{"hex", reflect.TypeFor[[]byte](), ",encoding=hex", "zzhunter2SECRET", "invalid hex text"},
		{"TextUnmarshaler netip.Addr", reflect.TypeFor[netip.Addr](), "", secret, "invalid netip.Addr"},
		{"TextUnmarshaler time.Time", reflect.TypeFor[time.Time](), "", secret, "invalid time.Time"},
		{"TextUnmarshaler big.Int", reflect.TypeFor[big.Int](), "", secret, "invalid big.Int"},
		{"json.Unmarshaler", reflect.TypeFor[json.RawMessage](), "", `{hunter2SECRET`, "invalid JSON"},
		{"pointer", reflect.TypeFor[*int](), "", secret, "invalid number for int"},
		{"WithDecoder", reflect.TypeFor[leakyLevel](), "", secret, "custom decoder for vaultly_test.leakyLevel failed"},
	}
	for _, tc := range cases {
		for _, lazy := range []bool{false, true} {
			name := tc.name
			if lazy {
				name += "/Secret"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ft := tc.typ
				if lazy {
					ft = secretTypeOf(t, tc.typ)
				}
				typ := reflect.StructOf([]reflect.StructField{{
					Name: "F", Type: ft, Tag: reflect.StructTag(`secret:"/f` + tc.opt + `"`),
				}})
				dst := reflect.New(typ)
				// Prefetch makes Load decode Secret fields too.
				err := vaultly.Load(dst.Interface(), mock.New(map[string]string{"/f": tc.text}), leaky, vaultly.WithPrefetch(true))
				checkErr(t, err, []error{vaultly.ErrConfig}, []string{"struct.F", tc.want})
				if !vaultly.IsConversionError(err) {
					t.Errorf("no conversion error in %v", err)
				}
				msg := err.Error()
				for _, frag := range []string{tc.text, fmt.Sprintf("%q", tc.text), "hunter2", "SECRET", "ter2"} {
					if strings.Contains(msg, frag) {
						t.Errorf("error shows %q of the value:\n%s", frag, msg)
					}
				}
			})
		}
	}
}

// secretTypeOf returns vaultly.Secret[T] for the T the cases use.
func secretTypeOf(t *testing.T, typ reflect.Type) reflect.Type {
	t.Helper()
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[int](), reflect.TypeFor[vaultly.Secret[int]]()},
		{reflect.TypeFor[int8](), reflect.TypeFor[vaultly.Secret[int8]]()},
		{reflect.TypeFor[uint16](), reflect.TypeFor[vaultly.Secret[uint16]]()},
		{reflect.TypeFor[float64](), reflect.TypeFor[vaultly.Secret[float64]]()},
		{reflect.TypeFor[bool](), reflect.TypeFor[vaultly.Secret[bool]]()},
		{reflect.TypeFor[time.Duration](), reflect.TypeFor[vaultly.Secret[time.Duration]]()},
		{reflect.TypeFor[map[string]int](), reflect.TypeFor[vaultly.Secret[map[string]int]]()},
		{reflect.TypeFor[map[string]int8](), reflect.TypeFor[vaultly.Secret[map[string]int8]]()},
		{reflect.TypeFor[[]string](), reflect.TypeFor[vaultly.Secret[[]string]]()},
		{reflect.TypeFor[[]byte](), reflect.TypeFor[vaultly.Secret[[]byte]]()},
		{reflect.TypeFor[string](), reflect.TypeFor[vaultly.Secret[string]]()},
		{reflect.TypeFor[netip.Addr](), reflect.TypeFor[vaultly.Secret[netip.Addr]]()},
		{reflect.TypeFor[time.Time](), reflect.TypeFor[vaultly.Secret[time.Time]]()},
		{reflect.TypeFor[big.Int](), reflect.TypeFor[vaultly.Secret[big.Int]]()},
		{reflect.TypeFor[json.RawMessage](), reflect.TypeFor[vaultly.Secret[json.RawMessage]]()},
		{reflect.TypeFor[*int](), reflect.TypeFor[vaultly.Secret[*int]]()},
		{reflect.TypeFor[leakyLevel](), reflect.TypeFor[vaultly.Secret[leakyLevel]]()},
	} {
		if pair[0] == typ {
			return pair[1]
		}
	}
	t.Fatalf("no Secret type for %s", typ)
	return nil
}
