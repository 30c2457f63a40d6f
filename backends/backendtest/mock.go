package backendtest

import (
	"strconv"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// NewMock returns a mock backend seeded the way Run asks: each secret's
// latest value as its current one, every value as its version ("1" the
// oldest), and a failing secret answering vaultly.ErrAuth (which no
// wrapper retries). It is the inner backend for testing a wrapper with Run.
func NewMock(secrets []Secret, opts ...mock.Option) *mock.Backend {
	current := make(map[string]string, len(secrets))
	versions := make(map[vaultly.Ref]string)
	for _, s := range secrets {
		current[s.Path] = s.Latest()
		for i, v := range s.Versions {
			versions[vaultly.Ref{Path: s.Path, Version: strconv.Itoa(i + 1)}] = v
		}
	}
	b := mock.New(current, append([]mock.Option{mock.WithVersions(versions)}, opts...)...)
	for _, s := range secrets {
		if s.Fail {
			b.Fail(s.Path, vaultly.ErrAuth)
		}
	}
	return b
}
