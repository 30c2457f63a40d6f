package vaultly_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

type defConfig struct {
	Pool    int               `secret:"/pool,default=10"`
	Timeout time.Duration     `secret:"/timeout,default=1m30s"`
	Hosts   []string          `secret:"/hosts,default='a, b,c'"`
	Flags   map[string]bool   `secret:"/flags,default='{\"x\": true}'"`
	Quote   string            `secret:"/quote,default='it''s'"`
	Key     []byte            `secret:"/key,encoding=hex,default=6869"`
	Port    *uint16           `secret:"/port,default=8080"`
	Labels  map[string]string `secret:"/labels,default='{}',public"`
}

func u16(v uint16) *uint16 { return &v }

// TestDefaultOption: default=VALUE is used when the backend says not
// found, decoded like a fetched value (encoding included); a found value
// wins, and any other failure is not forgiven.
func TestDefaultOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		values  map[string]string
		fail    error // injected on /pool
		plain   bool  // a backend that cannot batch
		dst     *defConfig
		want    *defConfig
		wantErr error
	}{
		{
			name: "every default",
			dst:  &defConfig{Pool: 3},
			want: &defConfig{Pool: 10, Timeout: 90 * time.Second, Hosts: []string{"a", "b", "c"},
				Flags: map[string]bool{"x": true}, Quote: "it's", Key: []byte("hi"), Port: u16(8080), Labels: map[string]string{}},
		},
		{
			name:  "every default, one Get each",
			plain: true,
			dst:   &defConfig{},
			want: &defConfig{Pool: 10, Timeout: 90 * time.Second, Hosts: []string{"a", "b", "c"},
				Flags: map[string]bool{"x": true}, Quote: "it's", Key: []byte("hi"), Port: u16(8080), Labels: map[string]string{}},
		},
		{
			name:   "found values win",
			values: map[string]string{"/pool": "4", "/timeout": "5s", "/hosts": "z", "/flags": "{}", "/quote": "q", "/key": "00", "/port": "1", "/labels": `{"a":"b"}`},
			dst:    &defConfig{},
			want: &defConfig{Pool: 4, Timeout: 5 * time.Second, Hosts: []string{"z"}, Flags: map[string]bool{},
				Quote: "q", Key: []byte{0}, Port: u16(1), Labels: map[string]string{"a": "b"}},
		},
		{
			name:    "a transient failure is not forgiven",
			fail:    vaultly.ErrTransient,
			dst:     &defConfig{Pool: 3},
			want:    &defConfig{Pool: 3},
			wantErr: vaultly.ErrTransient,
		},
		{
			name:    "a refused read is not forgiven",
			fail:    vaultly.ErrAuth,
			plain:   true,
			dst:     &defConfig{Pool: 3},
			want:    &defConfig{Pool: 3},
			wantErr: vaultly.ErrAuth,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mock.New(tt.values)
			if tt.fail != nil {
				m.Fail("/pool", tt.fail)
			}
			var b vaultly.Backend = m
			if tt.plain {
				b = m.Plain()
			}
			err := vaultly.Load(tt.dst, b)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Load error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, tt.dst); diff != "" {
				t.Errorf("dst (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDefaultWithDecoder: a WithDecoder function decodes the default too.
func TestDefaultWithDecoder(t *testing.T) {
	t.Parallel()
	type level int
	var dst struct {
		L level `secret:"/l,default=high"`
	}
	dec := vaultly.WithDecoder(func(s string) (level, error) {
		if s == "high" {
			return 3, nil
		}
		return 0, fmt.Errorf("bad level %q", s)
	})
	if err := vaultly.Load(&dst, mock.New(nil), dec); err != nil {
		t.Fatal(err)
	}
	if dst.L != 3 {
		t.Errorf("L = %d, want 3", dst.L)
	}
}

// TestDefaultConfigErrors: a default that does not decode, default with
// optional, and default on a Secret are configuration errors from Load,
// found before anything is fetched, naming the field and never quoting
// the default.
func TestDefaultConfigErrors(t *testing.T) {
	t.Parallel()
	const bad = "sekrit"
	tests := []struct {
		name string
		dst  any
		opts []vaultly.Option
		want string
	}{
		{"int", &struct {
			N int `secret:"/n,default=sekrit"`
		}{}, nil, "vaultly: struct.N: configuration error: default: decode: invalid number for int"},
		{"duration", &struct {
			D time.Duration `secret:"/d,default='sekrit, 5'"`
		}{}, nil, "vaultly: struct.D: configuration error: default: decode: invalid duration"},
		{"encoding", &struct {
			K []byte `secret:"/k,encoding=base64,default=sekrit!"`
		}{}, nil, "vaultly: struct.K: configuration error: default: decode: invalid base64"},
		{"WithDecoder", &struct {
			N strconv.NumError `secret:"/n,default=sekrit"`
		}{}, []vaultly.Option{vaultly.WithDecoder(func(s string) (strconv.NumError, error) {
			return strconv.NumError{}, fmt.Errorf("no: %s", s)
		})}, "vaultly: struct.N: configuration error: default: decode:"},
		// A tag error quotes the tag (plan.go), default included for now:
		// this default is not the one the test looks for.
		{"with optional", &struct {
			N int `secret:"/n,optional,default=5"`
		}{}, nil, "default and optional exclude each other"},
		{"on a Secret", &struct {
			S vaultly.Secret[string] `secret:"/s,default=sekrit"`
		}{}, nil, "vaultly: struct.S: configuration error: default applies only to plain fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(nil)
			err := vaultly.Load(tt.dst, b, tt.opts...)
			if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(fmt.Sprint(err), tt.want) {
				t.Fatalf("Load error = %v, want ErrConfig containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), bad) {
				t.Errorf("error quotes the default: %v", err)
			}
			if calls := b.Calls(); len(calls) != 0 {
				t.Errorf("fetched on a configuration error: %v", calls)
			}
		})
	}
}
