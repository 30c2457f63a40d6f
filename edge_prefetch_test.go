package vaultly_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestPrefetchByDefault: Load fetches and decodes Secret fields too, so
// that every missing or malformed secret fails at startup, at once, and
// the first Get is warm; WithPrefetch(false) keeps them lazy.
func TestPrefetchByDefault(t *testing.T) {
	t.Parallel()
	type cfg struct {
		Plain    string                 `secret:"/plain"`
		Password vaultly.Secret[string] `secret:"/password"`
		Port     vaultly.Secret[int]    `secret:"/port"`
		Token    vaultly.Secret[string] `secret:"/token,optional"`
	}
	cases := []struct {
		name      string
		store     map[string]string
		opts      []vaultly.Option
		inErr     []string // nil: Load succeeds
		loadCalls int      // Refs asked for by Load
		getCalls  int      // after one Get of Password
	}{
		{"default: every secret at Load", map[string]string{"/plain": "p", "/password": "pw", "/port": "5432"},
			nil, nil, 4, 4},
		{"default: missing and malformed at once", map[string]string{"/plain": "p", "/port": "http"},
			nil, []string{"cfg.Password", "/password", "not found", "cfg.Port", "/port", "invalid number"}, 4, 0},
		{"WithPrefetch(true)", map[string]string{"/plain": "p", "/password": "pw", "/port": "5432"},
			[]vaultly.Option{vaultly.WithPrefetch(true)}, nil, 4, 4},
		{"WithPrefetch(false): lazy", map[string]string{"/plain": "p", "/port": "http"},
			[]vaultly.Option{vaultly.WithPrefetch(false)}, nil, 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(tc.store)
			var dst cfg
			err := vaultly.Load(&dst, b, tc.opts...)
			if got := len(b.Calls()); got != tc.loadCalls {
				t.Errorf("Load asked for %d refs, want %d", got, tc.loadCalls)
			}
			if tc.inErr != nil {
				if !errors.Is(err, vaultly.ErrNotFound) || !errors.Is(err, vaultly.ErrConfig) {
					t.Fatalf("Load = %v, want ErrNotFound and ErrConfig", err)
				}
				for _, s := range tc.inErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("err %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			if _, err := dst.Password.Get(context.Background()); err != nil && tc.getCalls != 2 {
				t.Errorf("Get = %v", err)
			}
			if got := len(b.Calls()); got != tc.getCalls {
				t.Errorf("after Get: %d refs asked for, want %d", got, tc.getCalls)
			}
		})
	}
}
