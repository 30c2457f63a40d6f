package ssmtest

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Type is a parameter type.
type Type string

// The parameter types Parameter Store knows.
const (
	String       Type = "String"
	StringList   Type = "StringList"
	SecureString Type = "SecureString"
)

// Limits the fake enforces, as the service does.
const (
	MaxNamesPerRequest = 10   // GetParameters
	MaxResultsPerPage  = 10   // GetParametersByPath
	MaxNameLength      = 2048 // characters in a parameter name
	MaxLabelsPerVer    = 10   // labels on one version
)

type version struct {
	value    string
	typ      Type
	number   int64
	modified time.Time
	labels   []string
}

type param struct {
	name     string
	versions []*version // in order; versions[i].number == i+1
}

func (p *param) latest() *version { return p.versions[len(p.versions)-1] }

// lookup resolves a selector ("" for the latest, a version number, or a
// label) to a version, or nil.
func (p *param) lookup(selector string) *version {
	if selector == "" {
		return p.latest()
	}
	if n, err := strconv.ParseInt(selector, 10, 64); err == nil {
		if n < 1 || n > int64(len(p.versions)) {
			return nil
		}
		return p.versions[n-1]
	}
	for _, v := range p.versions {
		for _, l := range v.labels {
			if l == selector {
				return v
			}
		}
	}
	return nil
}

// splitSelector splits "name:selector" at the last colon. Parameter names
// cannot contain a colon, so anything after one is a version or label.
func splitSelector(s string) (name, selector string, hasSelector bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Put stores value as a new String version of name and returns the
// version number (1 for a new parameter).
func (s *Server) Put(name, value string) int64 { return s.PutTyped(name, String, value) }

// PutSecure stores value as a new SecureString version of name.
func (s *Server) PutSecure(name, value string) int64 {
	return s.PutTyped(name, SecureString, value)
}

// PutStringList stores the values, joined with commas, as a new StringList
// version of name.
func (s *Server) PutStringList(name string, values ...string) int64 {
	return s.PutTyped(name, StringList, strings.Join(values, ","))
}

// PutTyped stores value with the given type as a new version of name and
// returns its version number. A name the service would refuse (empty,
// containing a colon, or longer than MaxNameLength) stores nothing and
// returns 0; it fails the test of a server made by NewServer, and panics
// for one made by New, since it is a mistake in the test code.
func (s *Server) PutTyped(name string, typ Type, value string) int64 {
	if name == "" || strings.ContainsRune(name, ':') || len(name) > MaxNameLength {
		s.core.Misuse("invalid parameter name %q", name)
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.params[name]
	if p == nil {
		p = &param{name: name}
		s.params[name] = p
	}
	v := &version{value: value, typ: typ, number: int64(len(p.versions) + 1), modified: s.core.Now()}
	p.versions = append(p.versions, v)
	return v.number
}

// Delete removes name and all its versions. It reports whether it existed.
func (s *Server) Delete(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.params[name]
	delete(s.params, name)
	return ok
}

// LabelVersion attaches labels to a version of name, moving each label off
// any other version of that parameter, as LabelParameterVersion does. It
// refuses labels the service refuses: empty, longer than 100 characters,
// starting with a digit or with "aws" or "ssm", containing characters
// other than letters, digits, '.', '-' and '_', and more than
// MaxLabelsPerVer labels on one version.
func (s *Server) LabelVersion(name string, ver int64, labels ...string) error {
	for _, l := range labels {
		if err := validLabel(l); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.params[name]
	if p == nil {
		return fmt.Errorf("ssmtest: parameter %q not found", name)
	}
	if ver < 1 || ver > int64(len(p.versions)) {
		return fmt.Errorf("ssmtest: parameter %q has no version %d", name, ver)
	}
	target := p.versions[ver-1]
	after := append([]string(nil), target.labels...)
	for _, l := range labels {
		after = append(removeString(after, l), l)
	}
	if len(after) > MaxLabelsPerVer {
		return fmt.Errorf("ssmtest: version %d of %q would have more than %d labels", ver, name, MaxLabelsPerVer)
	}
	for _, l := range labels {
		for _, v := range p.versions {
			v.labels = removeString(v.labels, l)
		}
	}
	target.labels = after
	return nil
}

func validLabel(l string) error {
	switch {
	case l == "" || len(l) > 100:
		return errors.New("ssmtest: a label must have 1 to 100 characters")
	case l[0] >= '0' && l[0] <= '9':
		return fmt.Errorf("ssmtest: label %q starts with a digit", l)
	case strings.HasPrefix(strings.ToLower(l), "aws") || strings.HasPrefix(strings.ToLower(l), "ssm"):
		return fmt.Errorf("ssmtest: label %q starts with aws or ssm", l)
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("ssmtest: label %q has a character other than letters, digits, '.', '-', '_'", l)
		}
	}
	return nil
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// Names returns the names of all stored parameters, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.params))
	for n := range s.params {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// wireParam builds the wire form of one version. selector is the suffix
// the caller asked with (without the colon), or "".
func (s *Server) wireParam(p *param, v *version, selector string, decrypt bool) wireParameter {
	value := v.value
	if v.typ == SecureString && !decrypt {
		// The real service returns KMS ciphertext. Return something opaque
		// that is stable per value and never the value itself.
		sum := sha256.Sum256([]byte(v.value))
		value = "AQICAHssmtest" + base64.StdEncoding.EncodeToString(sum[:])
	}
	w := wireParameter{
		Name:             p.name,
		Type:             string(v.typ),
		Value:            value,
		Version:          v.number,
		ARN:              s.arn(p.name),
		LastModifiedDate: float64(v.modified.UnixMilli()) / 1000,
		DataType:         "text",
	}
	if selector != "" {
		w.Selector = ":" + selector
	}
	return w
}

func (s *Server) arn(name string) string {
	return "arn:aws:ssm:" + s.region + ":123456789012:parameter/" + strings.TrimPrefix(name, "/")
}
