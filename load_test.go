package vaultly_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// Types for the Load table. Each case names one.
type (
	Scalars struct {
		S   string        `secret:"/s"`
		B   bool          `secret:"/b"`
		I   int           `secret:"/i"`
		I8  int8          `secret:"/i8"`
		I64 int64         `secret:"/i64"`
		U   uint          `secret:"/u"`
		U16 uint16        `secret:"/u16"`
		F32 float32       `secret:"/f32"`
		F64 float64       `secret:"/f64"`
		D   time.Duration `secret:"/d"`
		Raw []byte        `secret:"/raw"`
	}
	Composite struct {
		Flags map[string]bool `secret:"/flags"`
		Hosts []string        `secret:"/hosts"`
		JSONs []string        `secret:"/jsons"`
		Ports []int           `secret:"/ports"`
		Conn  struct {
			Host string
			Port int
		} `secret:"/conn"`
		Addr   netip.Addr        `secret:"/addr"` // encoding.TextUnmarshaler
		Raw    json.RawMessage   `secret:"/rawjson"`
		Ptr    *int              `secret:"/ptr"`
		Any    any               `secret:"/any"`
		Labels map[string]string `secret:"/labels"`
	}
	Encoded struct {
		B64  []byte `secret:"/b64,encoding=base64"`
		B64U string `secret:"/b64u,encoding=base64url"`
		Hex  []byte `secret:"/hex,encoding=hex"`
		Num  int    `secret:"/num,encoding=hex"`
	}
	Templated struct {
		Stage  string
		Region string
		Shard  int
		DB     TemplatedDB
		Cache  *TemplatedDB
		Token  string `secret:"/svc/<stage>/<region>/<shard>/token"`
	}
	TemplatedDB struct {
		Password string `secret:"/db/<stage>/password"`
		User     string `secret:"/db/<STAGE>/user"`
	}
	Optional struct {
		Present string `secret:"/present"`
		Missing string `secret:"/missing,optional"`
		Default int    `secret:"/pool,optional"`
	}
	SameRef struct {
		A string `secret:"/shared"`
		B []byte `secret:"/shared"`
		C string `secret:"/shared,version=2"`
	}
	Versioned struct {
		Current string `secret:"/key"`
		V1      string `secret:"/key,version=1"`
	}
	Failing struct {
		Stage string
		A     string `secret:"/a"`
		B     int    `secret:"/b"`
		C     string `secret:"/c"`
		D     bool   `secret:"/d"`
	}
)

func TestLoad(t *testing.T) {
	t.Parallel()
	four := 4
	cases := []struct {
		name      string
		values    map[string]string
		versions  map[vaultly.Ref]string
		opts      []vaultly.Option
		dst       any // pointer to the struct to fill, possibly pre-filled
		want      any // what *dst must be afterwards (on error: unchanged)
		wantErrs  []error
		wantInErr []string // substrings the error must contain (field names)
		wantCalls []vaultly.Ref
	}{
		{
			name: "every scalar type",
			values: map[string]string{
				"/s": "text", "/b": "YES", "/i": "-42", "/i8": "127", "/i64": "9000000000",
				"/u": "7", "/u16": "65535", "/f32": "1.5", "/f64": "-2.25e3", "/d": "1m30s", "/raw": "\x00\x01",
			},
			dst: &Scalars{},
			want: &Scalars{S: "text", B: true, I: -42, I8: 127, I64: 9000000000, U: 7, U16: 65535,
				F32: 1.5, F64: -2250, D: 90 * time.Second, Raw: []byte{0, 1}},
		},
		{
			name: "composite types as JSON, StringList, TextUnmarshaler, pointer",
			values: map[string]string{
				"/flags": `{"beta":true,"gamma":false}`, "/hosts": "a.example, b.example,c.example",
				"/jsons": `["x","y"]`, "/ports": "[80, 443]", "/conn": `{"Host":"db","Port":5432}`,
				"/addr": "10.1.2.3", "/rawjson": `{"k":1}`, "/ptr": "4", "/any": `{"n":[1,2]}`,
				"/labels": `{"team":"core"}`,
			},
			dst: &Composite{},
			want: &Composite{
				Flags: map[string]bool{"beta": true, "gamma": false}, Hosts: []string{"a.example", "b.example", "c.example"},
				JSONs: []string{"x", "y"}, Ports: []int{80, 443}, Conn: struct {
					Host string
					Port int
				}{"db", 5432},
				Addr: netip.MustParseAddr("10.1.2.3"), Raw: json.RawMessage(`{"k":1}`), Ptr: &four,
				Any: map[string]any{"n": []any{1.0, 2.0}}, Labels: map[string]string{"team": "core"},
			},
		},
		{
			name:   "encodings",
			values: map[string]string{"/b64": "aGVsbG8=", "/b64u": "aGk_Pz8", "/hex": "cafe", "/num": "3432"},
			dst:    &Encoded{},
			want:   &Encoded{B64: []byte("hello"), B64U: "hi???", Hex: []byte{0xca, 0xfe}, Num: 42},
		},
		{
			name: "templates from root fields, case-insensitive, nested and pointer structs share them",
			values: map[string]string{
				"/svc/prod/eu/3/token": "t", "/db/prod/password": "p", "/db/prod/user": "u",
			},
			dst: &Templated{Stage: "prod", Region: "eu", Shard: 3},
			want: &Templated{Stage: "prod", Region: "eu", Shard: 3, Token: "t",
				DB: TemplatedDB{Password: "p", User: "u"}, Cache: &TemplatedDB{Password: "p", User: "u"}},
			// The nested and pointer structs name the same two Refs: fetched once.
			wantCalls: []vaultly.Ref{{Path: "/db/prod/password"}, {Path: "/db/prod/user"}, {Path: "/svc/prod/eu/3/token"}},
		},
		{
			name:   "WithVars wins over fields",
			values: map[string]string{"/svc/dev/us/3/token": "t", "/db/dev/password": "p", "/db/dev/user": "u"},
			opts:   []vaultly.Option{vaultly.WithVars(map[string]string{"Stage": "dev", "region": "us"})},
			dst:    &Templated{Stage: "prod", Region: "eu", Shard: 3},
			want: &Templated{Stage: "prod", Region: "eu", Shard: 3, Token: "t",
				DB: TemplatedDB{Password: "p", User: "u"}, Cache: &TemplatedDB{Password: "p", User: "u"}},
		},
		{
			name:   "optional keeps the zero value or a default set before Load",
			values: map[string]string{"/present": "here"},
			dst:    &Optional{Default: 10},
			want:   &Optional{Present: "here", Default: 10},
		},
		{
			name:      "two fields naming one Ref make one call; versions are separate Refs",
			values:    map[string]string{"/shared": "v-now"},
			versions:  map[vaultly.Ref]string{{Path: "/shared", Version: "2"}: "v-two"},
			dst:       &SameRef{},
			want:      &SameRef{A: "v-now", B: []byte("v-now"), C: "v-two"},
			wantCalls: []vaultly.Ref{{Path: "/shared"}, {Path: "/shared", Version: "2"}},
		},
		{
			name:     "versioned and unversioned",
			values:   map[string]string{"/key": "three"},
			versions: map[vaultly.Ref]string{{Path: "/key", Version: "1"}: "one"},
			dst:      &Versioned{},
			want:     &Versioned{Current: "three", V1: "one"},
		},
		{
			name:     "every failing field is reported and dst is untouched",
			values:   map[string]string{"/b": "not-a-number", "/c": "fine", "/d": "maybe"},
			dst:      &Failing{Stage: "x", A: "before"},
			want:     &Failing{Stage: "x", A: "before"},
			wantErrs: []error{vaultly.ErrNotFound, vaultly.ErrConfig},
			wantInErr: []string{"Failing.A (/a): mock: secret not found", "Failing.B (/b)", "invalid number for int",
				"Failing.D (/d)", "invalid boolean"},
		},
		{
			name:      "pointer nested struct is not written through on failure",
			values:    map[string]string{"/db/prod/password": "p"},
			dst:       &Templated{Stage: "prod", Region: "eu", Cache: &TemplatedDB{User: "keep"}},
			want:      &Templated{Stage: "prod", Region: "eu", Cache: &TemplatedDB{User: "keep"}},
			wantErrs:  []error{vaultly.ErrNotFound},
			wantInErr: []string{"Templated.Token", "Templated.DB.User", "Templated.Cache.User"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mopts []mock.Option
			if tc.versions != nil {
				mopts = append(mopts, mock.WithVersions(tc.versions))
			}
			b := mock.New(tc.values, mopts...)
			err := vaultly.Load(tc.dst, b, tc.opts...)
			if diff := cmp.Diff(tc.want, tc.dst, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
				t.Errorf("dst after Load (-want +got):\n%s", diff)
			}
			checkErr(t, err, tc.wantErrs, tc.wantInErr)
			for _, v := range tc.values {
				if err != nil && len(v) > 3 && strings.Contains(err.Error(), v) {
					t.Errorf("error contains secret text %q: %v", v, err)
				}
			}
			if tc.wantCalls != nil {
				sorted := cmpopts.SortSlices(func(a, b vaultly.Ref) bool { return a.String() < b.String() })
				if diff := cmp.Diff(tc.wantCalls, b.Calls(), sorted); diff != "" {
					t.Errorf("backend calls (-want +got):\n%s", diff)
				}
				if got := b.Requests(); got != 1 {
					t.Errorf("round trips = %d, want 1 batch", got)
				}
			}
		})
	}
}

// checkErr asserts err matches every sentinel in want and mentions every
// string in inErr; no sentinels and no strings means err must be nil.
func checkErr(t *testing.T, err error, want []error, inErr []string) {
	t.Helper()
	if len(want) == 0 && len(inErr) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error does not match %v: %v", w, err)
		}
	}
	for _, s := range inErr {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
}

// TestPlanIsReused: the reflection walk happens once per type.
func TestPlanIsReused(t *testing.T) {
	t.Parallel()
	// The type is built with a path unique to this run, so -count=N sees a
	// new type each time.
	path := "/plan/" + strconv.FormatInt(time.Now().UnixNano(), 36)
	typ := reflect.StructOf([]reflect.StructField{{
		Name: "A", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`secret:"` + path + `"`),
	}})
	b := mock.New(map[string]string{path: "x"})
	if p := vaultly.CachedPlan(typ); p != nil {
		t.Fatalf("a plan exists before the first Load")
	}
	var first any
	for i := range 3 {
		dst := reflect.New(typ)
		if err := vaultly.Load(dst.Interface(), b); err != nil || dst.Elem().Field(0).String() != "x" {
			t.Fatalf("Load = %v", err)
		}
		p := vaultly.CachedPlan(typ)
		if i == 0 {
			first = p
		}
		if p == nil || p != first {
			t.Fatalf("Load %d: the plan of the type was built again", i+1)
		}
	}
}

// TestSecondLoadFetchesAgain: Load always asks the backend, even through a
// Loader whose cache holds the Refs, so a reload sees current values.
func TestSecondLoadFetchesAgain(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "v1"})
	l := mustLoader(t, b)
	defer l.Close()
	var first, second struct {
		A string `secret:"/a"`
	}
	if err := l.Load(context.Background(), &first); err != nil {
		t.Fatal(err)
	}
	b.Set("/a", "v2")
	if err := l.Load(context.Background(), &second); err != nil {
		t.Fatal(err)
	}
	if first.A != "v1" || second.A != "v2" || b.Requests() != 2 {
		t.Errorf("first %q, second %q, requests %d; want v1, v2, 2", first.A, second.A, b.Requests())
	}
}

// TestDecoderForPointer: WithDecoder[T] also serves *T fields and Secret[T].
func TestDecoderForPointer(t *testing.T) {
	t.Parallel()
	type Level int
	parse := func(s string) (Level, error) {
		if s == "high" {
			return 3, nil
		}
		return 0, errors.New("unknown level")
	}
	var dst struct {
		P *Level                `secret:"/p"`
		S vaultly.Secret[Level] `secret:"/p"`
	}
	if err := vaultly.Load(&dst, mock.New(map[string]string{"/p": "high"}), vaultly.WithDecoder(parse)); err != nil {
		t.Fatal(err)
	}
	got, err := dst.S.Get(context.Background())
	if dst.P == nil || *dst.P != 3 || got != 3 || err != nil {
		t.Errorf("P = %v, S = %v, %v; want 3, 3", dst.P, got, err)
	}
}

// TestNestedPointersAreCopiedNotWrittenThrough: a pointer inside a pointer
// on the way to a tagged field gets a fresh copy at each level, parents
// first, so structs shared with the caller are never modified.
func TestNestedPointersAreCopiedNotWrittenThrough(t *testing.T) {
	t.Parallel()
	type Leaf struct {
		Keep string
		Pass string `secret:"/pass"`
	}
	type Mid struct {
		Leaf *Leaf
		Note string
	}
	type Root struct {
		Mid *Mid
	}
	sharedLeaf := &Leaf{Keep: "k"}
	sharedMid := &Mid{Leaf: sharedLeaf, Note: "n"}
	dst := Root{Mid: sharedMid}
	if err := vaultly.Load(&dst, mock.New(map[string]string{"/pass": "p"})); err != nil {
		t.Fatal(err)
	}
	want := Root{Mid: &Mid{Leaf: &Leaf{Keep: "k", Pass: "p"}, Note: "n"}}
	if diff := cmp.Diff(want, dst); diff != "" {
		t.Errorf("dst (-want +got):\n%s", diff)
	}
	if sharedLeaf.Pass != "" || sharedMid.Leaf != sharedLeaf || dst.Mid == sharedMid || dst.Mid.Leaf == sharedLeaf {
		t.Errorf("Load wrote through a shared pointer: mid %p/%p leaf %p/%p pass %q",
			sharedMid, dst.Mid, sharedLeaf, dst.Mid.Leaf, sharedLeaf.Pass)
	}
	var nilPtrs Root
	if err := vaultly.Load(&nilPtrs, mock.New(map[string]string{"/pass": "p"})); err != nil || nilPtrs.Mid.Leaf.Pass != "p" {
		t.Errorf("nil pointers on the way: %v, %+v", err, nilPtrs.Mid)
	}
}
