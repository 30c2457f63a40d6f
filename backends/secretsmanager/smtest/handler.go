package smtest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/vaultly/vaultly/internal/awsfake"
)

// wireValue is a GetSecretValue answer and a SecretValues entry of
// BatchGetSecretValue.
type wireValue struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	SecretString  *string  `json:"SecretString,omitempty"`
	SecretBinary  []byte   `json:"SecretBinary,omitempty"` // base64, as encoding/json writes []byte
	VersionStages []string `json:"VersionStages"`
	CreatedDate   float64  `json:"CreatedDate"` // epoch seconds
}

// wireError is an Errors entry of BatchGetSecretValue.
type wireError struct {
	SecretId  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type getSecretValueInput struct {
	SecretId     *string `json:"SecretId"`
	VersionId    *string `json:"VersionId"`
	VersionStage *string `json:"VersionStage"`
}

type filter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type batchGetSecretValueInput struct {
	SecretIdList []string `json:"SecretIdList"`
	Filters      []filter `json:"Filters"`
	MaxResults   *int     `json:"MaxResults"`
	NextToken    *string  `json:"NextToken"`
}

// apiError is an error answer of the service.
type apiError = awsfake.APIError

func badRequest(code, format string, args ...any) *apiError {
	return awsfake.BadRequest(code, format, args...)
}

func validation(format string, args ...any) *apiError {
	return badRequest("ValidationException", "1 validation error detected: "+format, args...)
}

func invalidParameter(format string, args ...any) *apiError {
	return badRequest("InvalidParameterException", format, args...)
}

// ServeHTTP answers one awsJson1_1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.core.Handle(w, r, "secretsmanager.", OpUnknown, func(op string) Call { return Call{Op: op} }, s.route)
}

// route decodes a request of op.
func (s *Server) route(op string, body []byte) (Call, awsfake.Exchange, bool) {
	var (
		call = Call{Op: op}
		x    awsfake.Exchange // x.Match: secret names, filter values
	)
	switch op {
	case OpGetSecretValue:
		var in getSecretValueInput
		x.DecodeErr = json.Unmarshal(body, &in)
		if in.SecretId != nil {
			call.IDs = []string{*in.SecretId}
			x.Match = []string{s.secretName(*in.SecretId)}
		}
		x.Answer = func() (any, *apiError) { return s.getSecretValue(in) }
	case OpBatchGetSecretValue:
		var in batchGetSecretValueInput
		x.DecodeErr = json.Unmarshal(body, &in)
		call.IDs = in.SecretIdList
		for _, id := range in.SecretIdList {
			x.Match = append(x.Match, s.secretName(id))
		}
		for _, f := range in.Filters {
			call.Filters = append(call.Filters, f.Values...)
			x.Match = append(x.Match, f.Values...)
		}
		if in.Filters != nil {
			// A fault on a secret applies to a listing that covers it.
			x.Match = append(x.Match, s.listed(in.Filters)...)
		}
		if in.NextToken != nil {
			call.NextToken = *in.NextToken
		}
		x.Answer = func() (any, *apiError) { return s.batchGetSecretValue(in) }
	default:
		id, seed, err, ok := s.seedRequest(op, body)
		if !ok {
			return call, x, false
		}
		if id != "" {
			call.IDs = []string{id}
			x.Match = []string{s.secretName(id)}
		}
		x.Answer, x.DecodeErr = seed, err
	}
	// The quota and the request hook see the reads, not the seeding.
	x.Metered = op == OpGetSecretValue || op == OpBatchGetSecretValue
	return call, x, true
}

// failure is the error a FailSecret code answers with.
func failure(code string) *apiError {
	switch code {
	case "AccessDeniedException":
		return badRequest(code, "%s", denyMessage)
	case "DecryptionFailure":
		return badRequest(code, "%s", decryptMessage)
	case "ResourceNotFoundException":
		return badRequest(code, "Secrets Manager can't find the specified secret.")
	case "InternalServiceError":
		return &apiError{Status: http.StatusInternalServerError, Code: code, Message: "An error occurred on the server side."}
	}
	return badRequest(code, "smtest: injected %s", code)
}

func checkID(field, id string) *apiError {
	switch {
	case id == "":
		return validation("Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", field)
	case len(id) > 2048:
		return validation("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 2048", field)
	}
	return nil
}

// read resolves id (and a version id or staging label) to the value the
// service answers with. Call with s.mu held.
func (s *Server) read(id, versionID, stage string) (wireValue, *apiError) {
	sec := s.lookup(id)
	switch {
	case sec == nil:
		return wireValue{}, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	case sec.deleted:
		return wireValue{}, badRequest("InvalidRequestException",
			"You can't perform this operation on the secret because it was marked for deletion.")
	case sec.failCode != "":
		return wireValue{}, failure(sec.failCode)
	}
	var v *version
	switch {
	case versionID != "":
		v = sec.version(versionID)
		if v == nil {
			return wireValue{}, badRequest("ResourceNotFoundException",
				"Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		if stage != "" && sec.stages[stage] != v {
			return wireValue{}, invalidParameter("The VersionId and VersionStage that you specified don't refer to the same version.")
		}
	default:
		if stage == "" {
			stage = StageCurrent
		}
		v = sec.stages[stage]
		if v == nil {
			return wireValue{}, badRequest("ResourceNotFoundException",
				"Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
	}
	return wireValue{
		ARN:           sec.arn,
		Name:          sec.name,
		VersionId:     v.id,
		SecretString:  v.str,
		SecretBinary:  v.bin,
		VersionStages: sec.stagesOf(v),
		CreatedDate:   float64(v.created.UnixMilli()) / 1000,
	}, nil
}

func (s *Server) getSecretValue(in getSecretValueInput) (any, *apiError) {
	if in.SecretId == nil {
		return nil, validation("Value null at 'secretId' failed to satisfy constraint: Member must not be null")
	}
	if e := checkID("secretId", *in.SecretId); e != nil {
		return nil, e
	}
	var versionID, stage string
	if in.VersionId != nil {
		versionID = *in.VersionId
		if len(versionID) < 32 || len(versionID) > 64 {
			return nil, validation("Value at 'versionId' failed to satisfy constraint: Member must have length between 32 and 64")
		}
	}
	if in.VersionStage != nil {
		stage = *in.VersionStage
		if stage == "" || len(stage) > MaxStageLength {
			return nil, validation("Value at 'versionStage' failed to satisfy constraint: Member must have length between 1 and %d", MaxStageLength)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, e := s.read(*in.SecretId, versionID, stage)
	if e != nil {
		return nil, e
	}
	return v, nil
}

// filterValueChars are the characters the service accepts in a filter
// value, after an optional leading '!'.
const filterValueChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :_@/+=.-"

func (s *Server) batchGetSecretValue(in batchGetSecretValueInput) (any, *apiError) {
	switch {
	case in.SecretIdList != nil && in.Filters != nil:
		return nil, invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	case in.SecretIdList == nil && in.Filters == nil:
		return nil, invalidParameter("Either 'SecretIdList' or 'Filters' must be provided.")
	case in.MaxResults != nil && in.Filters == nil:
		return nil, invalidParameter("'MaxResults' can only be used with 'Filters'.")
	}
	if in.SecretIdList != nil {
		return s.batchByIDs(in.SecretIdList)
	}
	return s.batchByFilters(in)
}

func (s *Server) batchByIDs(ids []string) (any, *apiError) {
	switch {
	case len(ids) == 0:
		return nil, validation("Value '[]' at 'secretIdList' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(ids) > MaxIDsPerBatch:
		return nil, validation("Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to %d", MaxIDsPerBatch)
	}
	for _, id := range ids {
		if e := checkID("secretIdList", id); e != nil {
			return nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	values := []wireValue{}
	errs := []wireError{}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		v, e := s.read(id, "", "")
		if e != nil {
			errs = append(errs, wireError{SecretId: id, ErrorCode: e.Code, Message: e.Message})
			continue
		}
		values = append(values, v)
	}
	return map[string]any{"SecretValues": values, "Errors": errs}, nil
}

func (s *Server) batchByFilters(in batchGetSecretValueInput) (any, *apiError) {
	if len(in.Filters) == 0 || len(in.Filters) > 10 {
		return nil, validation("Value at 'filters' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	for _, f := range in.Filters {
		if f.Key != "name" {
			return nil, invalidParameter("smtest implements only the name filter, not %q", f.Key)
		}
		if len(f.Values) == 0 || len(f.Values) > 10 {
			return nil, validation("Value at 'filters.values' failed to satisfy constraint: Member must have length between 1 and 10")
		}
		for _, v := range f.Values {
			body := strings.TrimPrefix(v, "!")
			if len(v) > MaxFilterValue || strings.Trim(body, filterValueChars) != "" {
				return nil, validation("Value at 'filters.values' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-]*$")
			}
		}
	}
	page := MaxResultsPerPage
	if in.MaxResults != nil {
		page = *in.MaxResults
		if page < 1 || page > MaxResultsPerPage {
			return nil, validation("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", page, MaxResultsPerPage)
		}
	}
	start := 0
	if in.NextToken != nil {
		n, ok := s.pages.Offset(*in.NextToken)
		if !ok {
			return nil, badRequest("InvalidNextTokenException", "The NextToken value is invalid.")
		}
		start = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	matched := s.listedLocked(in.Filters)
	page = s.pages.Next(page)
	start = min(start, len(matched))
	end := min(start+page, len(matched))
	values := []wireValue{}
	errs := []wireError{}
	for _, name := range matched[start:end] {
		v, e := s.read(name, "", "")
		if e != nil {
			errs = append(errs, wireError{SecretId: name, ErrorCode: e.Code, Message: e.Message})
			continue
		}
		values = append(values, v)
	}
	out := map[string]any{"SecretValues": values, "Errors": errs}
	if end < len(matched) {
		out["NextToken"] = s.pages.Token(end)
	}
	return out, nil
}

// listed returns the names a filtered listing covers, sorted.
func (s *Server) listed(filters []filter) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listedLocked(filters)
}

// listedLocked is listed with s.mu held: the secrets not scheduled for
// deletion whose names match filters.
func (s *Server) listedLocked(filters []filter) []string {
	var matched []string
	for name, sec := range s.secrets {
		if !sec.deleted && matchesFilters(name, filters) {
			matched = append(matched, name)
		}
	}
	sort.Strings(matched)
	return matched
}

// matchesFilters applies the name filters: within one filter the values
// are alternatives, each a case-sensitive prefix ("!" negates it); every
// filter must match.
func matchesFilters(name string, filters []filter) bool {
	for _, f := range filters {
		ok := false
		for _, v := range f.Values {
			if neg, isNeg := strings.CutPrefix(v, "!"); isNeg {
				ok = ok || !strings.HasPrefix(name, neg)
			} else {
				ok = ok || strings.HasPrefix(name, v)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// encodeToken makes an opaque NextToken that resumes at offset; serial
// makes every token different, as the service's are, even when an empty
// page leaves the offset where it was.
