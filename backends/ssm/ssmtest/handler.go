package ssmtest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/vaultly/vaultly/internal/awsfake"
)

type wireParameter struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
	Selector         string  `json:"Selector,omitempty"`
	ARN              string  `json:"ARN"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
	DataType         string  `json:"DataType"`
}

type getParameterInput struct {
	Name           *string `json:"Name"`
	WithDecryption *bool   `json:"WithDecryption"`
}

type getParametersInput struct {
	Names          []string `json:"Names"`
	WithDecryption *bool    `json:"WithDecryption"`
}

type getParametersByPathInput struct {
	Path             *string           `json:"Path"`
	ParameterFilters []json.RawMessage `json:"ParameterFilters"`
	Recursive        *bool             `json:"Recursive"`
	MaxResults       *int              `json:"MaxResults"`
	NextToken        *string           `json:"NextToken"`
	WithDecryption   *bool             `json:"WithDecryption"`
}

// apiError is an error answer of the service.
type apiError = awsfake.APIError

func validation(format string, args ...any) *apiError {
	return awsfake.BadRequest("ValidationException", "1 validation error detected: "+format, args...)
}

// ServeHTTP answers one awsJson1_1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.core.Handle(w, r, "AmazonSSM.", OpUnknown, func(op string) Call { return Call{Op: op} }, s.route)
}

// route decodes a request of op.
func (s *Server) route(op string, body []byte) (Call, awsfake.Exchange, bool) {
	var (
		names []string // as sent, for the call log
		bare  []string // without selectors, for fault matching
		x     = awsfake.Exchange{Metered: true}
	)
	switch op {
	case OpGetParameter:
		var in getParameterInput
		x.DecodeErr = json.Unmarshal(body, &in)
		if in.Name != nil {
			names = []string{*in.Name}
		}
		x.Answer = func() (any, *apiError) { return s.getParameter(in) }
	case OpGetParameters:
		var in getParametersInput
		x.DecodeErr = json.Unmarshal(body, &in)
		names = in.Names
		x.Answer = func() (any, *apiError) { return s.getParameters(in) }
	case OpGetParametersByPath:
		var in getParametersByPathInput
		x.DecodeErr = json.Unmarshal(body, &in)
		if in.Path != nil {
			names = []string{*in.Path}
			// A fault on a parameter applies to a listing that covers it.
			bare = s.listed(*in.Path, in.Recursive != nil && *in.Recursive)
		}
		x.Answer = func() (any, *apiError) { return s.getParametersByPath(in) }
	default:
		return Call{}, x, false
	}
	if bare == nil {
		for _, n := range names {
			b, _, _ := splitSelector(n)
			bare = append(bare, b)
		}
	}
	x.Match = bare
	return Call{Op: op, Names: append([]string(nil), names...)}, x, true
}

func checkName(field, name string) *apiError {
	switch {
	case name == "":
		return validation("Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", field)
	case len(name) > MaxNameLength:
		return validation("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, MaxNameLength)
	}
	return nil
}

// resolve finds the version a (possibly selected) name asks for. notFound
// tells which of the two not-found errors applies.
func (s *Server) resolve(asked string) (p *param, v *version, selector string, apiErr *apiError) {
	name, selector, has := splitSelector(asked)
	if has && selector == "" {
		return nil, nil, "", validation("Value '%s' at 'name' failed to satisfy constraint: a version or label must follow ':'", asked)
	}
	p = s.params[name]
	if p == nil {
		return nil, nil, "", awsfake.BadRequest("ParameterNotFound", "")
	}
	v = p.lookup(selector)
	if v == nil {
		return nil, nil, "", awsfake.BadRequest("ParameterVersionNotFound",
			"Systems Manager could not find version %s of %s. Verify the version and try again.", selector, name)
	}
	return p, v, selector, nil
}

func (s *Server) getParameter(in getParameterInput) (any, *apiError) {
	if in.Name == nil {
		return nil, validation("Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if e := checkName("name", *in.Name); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, v, sel, e := s.resolve(*in.Name)
	if e != nil {
		return nil, e
	}
	return map[string]any{"Parameter": s.wireParam(p, v, sel, in.WithDecryption != nil && *in.WithDecryption)}, nil
}

func (s *Server) getParameters(in getParametersInput) (any, *apiError) {
	switch {
	case in.Names == nil:
		return nil, validation("Value null at 'names' failed to satisfy constraint: Member must not be null")
	case len(in.Names) == 0:
		return nil, validation("Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Names) > MaxNamesPerRequest:
		return nil, validation("Value '[%s]' at 'names' failed to satisfy constraint: Member must have length less than or equal to %d",
			strings.Join(in.Names, ", "), MaxNamesPerRequest)
	}
	for _, n := range in.Names {
		if e := checkName("names", n); e != nil {
			return nil, e
		}
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	s.mu.Lock()
	defer s.mu.Unlock()
	params := []wireParameter{}
	invalid := []string{}
	seen := make(map[string]bool, len(in.Names))
	for _, n := range in.Names {
		if seen[n] {
			continue
		}
		seen[n] = true
		p, v, sel, e := s.resolve(n)
		switch {
		case e == nil:
			params = append(params, s.wireParam(p, v, sel, decrypt))
		case e.Code == "ValidationException":
			return nil, e
		default:
			invalid = append(invalid, n)
		}
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

func (s *Server) getParametersByPath(in getParametersByPathInput) (any, *apiError) {
	if in.Path == nil {
		return nil, validation("Value null at 'path' failed to satisfy constraint: Member must not be null")
	}
	path := *in.Path
	if e := checkName("path", path); e != nil {
		return nil, e
	}
	if !strings.HasPrefix(path, "/") {
		return nil, validation("Value '%s' at 'path' failed to satisfy constraint: a path must begin with '/'", path)
	}
	if len(in.ParameterFilters) > 0 {
		return nil, validation("ssmtest does not implement ParameterFilters of GetParametersByPath")
	}
	max := MaxResultsPerPage
	if in.MaxResults != nil {
		max = *in.MaxResults
		if max < 1 || max > MaxResultsPerPage {
			return nil, validation("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", max, MaxResultsPerPage)
		}
	}
	start := 0
	if in.NextToken != nil {
		n, ok := s.pages.Offset(*in.NextToken)
		if !ok {
			return nil, awsfake.BadRequest("InvalidNextToken", "The specified token is not valid.")
		}
		start = n
	}
	prefix := path
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	recursive := in.Recursive != nil && *in.Recursive
	decrypt := in.WithDecryption != nil && *in.WithDecryption

	s.mu.Lock()
	defer s.mu.Unlock()
	matched := s.underLocked(prefix, recursive)
	if start > len(matched) {
		start = len(matched)
	}
	max = s.pages.Next(max)
	end := min(start+max, len(matched))
	page := []wireParameter{}
	for _, name := range matched[start:end] {
		p := s.params[name]
		page = append(page, s.wireParam(p, p.latest(), "", decrypt))
	}
	out := map[string]any{"Parameters": page}
	if end < len(matched) {
		out["NextToken"] = s.pages.Token(end)
	}
	return out, nil
}

// underLocked returns the names a listing of prefix (ending in "/")
// covers, sorted. s.mu must be held.
func (s *Server) underLocked(prefix string, recursive bool) []string {
	var matched []string
	for name := range s.params {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" || (!recursive && strings.Contains(rest, "/")) {
			continue
		}
		matched = append(matched, name)
	}
	sort.Strings(matched)
	return matched
}

// listed returns the path and the names a GetParametersByPath of path
// covers, for fault matching.
func (s *Server) listed(path string, recursive bool) []string {
	prefix := path
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{path}, s.underLocked(prefix, recursive)...)
}
