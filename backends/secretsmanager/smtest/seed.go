package smtest

import (
	"encoding/json"
)

// The operations that seed the server over the wire, for tests that
// prepare data with the SDK (or code under test that writes secrets). The
// Go methods (Put, PutStaged, SetStage, ...) do the same without a request.
const (
	OpCreateSecret             = "CreateSecret"
	OpPutSecretValue           = "PutSecretValue"
	OpUpdateSecretVersionStage = "UpdateSecretVersionStage"
	OpDeleteSecret             = "DeleteSecret"
)

type createSecretInput struct {
	Name               *string `json:"Name"`
	SecretString       *string `json:"SecretString"`
	SecretBinary       []byte  `json:"SecretBinary"` // base64 on the wire
	ClientRequestToken *string `json:"ClientRequestToken"`
}

type putSecretValueInput struct {
	SecretId           *string  `json:"SecretId"`
	SecretString       *string  `json:"SecretString"`
	SecretBinary       []byte   `json:"SecretBinary"`
	ClientRequestToken *string  `json:"ClientRequestToken"`
	VersionStages      []string `json:"VersionStages"`
}

type updateSecretVersionStageInput struct {
	SecretId            *string `json:"SecretId"`
	VersionStage        *string `json:"VersionStage"`
	MoveToVersionId     *string `json:"MoveToVersionId"`
	RemoveFromVersionId *string `json:"RemoveFromVersionId"`
}

type deleteSecretInput struct {
	SecretId                   *string `json:"SecretId"`
	ForceDeleteWithoutRecovery *bool   `json:"ForceDeleteWithoutRecovery"`
}

// seedRequest decodes a seeding operation: the secret it names and the
// function that answers it. ok is false for an operation that is not one.
func (s *Server) seedRequest(op string, body []byte) (id string, answer func() (any, *apiError), decodeErr error, ok bool) {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch op {
	case OpCreateSecret:
		var in createSecretInput
		decodeErr = json.Unmarshal(body, &in)
		return str(in.Name), func() (any, *apiError) { return s.createSecret(in) }, decodeErr, true
	case OpPutSecretValue:
		var in putSecretValueInput
		decodeErr = json.Unmarshal(body, &in)
		return str(in.SecretId), func() (any, *apiError) { return s.putSecretValue(in) }, decodeErr, true
	case OpUpdateSecretVersionStage:
		var in updateSecretVersionStageInput
		decodeErr = json.Unmarshal(body, &in)
		return str(in.SecretId), func() (any, *apiError) { return s.updateSecretVersionStage(in) }, decodeErr, true
	case OpDeleteSecret:
		var in deleteSecretInput
		decodeErr = json.Unmarshal(body, &in)
		return str(in.SecretId), func() (any, *apiError) { return s.deleteSecret(in) }, decodeErr, true
	}
	return "", nil, nil, false
}

// checkValue refuses a value that is neither or both of SecretString and
// SecretBinary, and a version id (ClientRequestToken) of the wrong length.
func checkValue(str *string, bin []byte, token *string) *apiError {
	if (str == nil) == (bin == nil) {
		return invalidParameter("You must provide either SecretString or SecretBinary, but not both.")
	}
	if token != nil && (len(*token) < 32 || len(*token) > 64) {
		return validation("Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64")
	}
	return nil
}

func (s *Server) createSecret(in createSecretInput) (any, *apiError) {
	if in.Name == nil || !validName(*in.Name) {
		return nil, validation("Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_+=.@-]+$")
	}
	if e := checkValue(in.SecretString, in.SecretBinary, in.ClientRequestToken); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets[*in.Name] != nil {
		return nil, badRequest("ResourceExistsException", "The operation failed because the secret %s already exists.", *in.Name)
	}
	token := ""
	if in.ClientRequestToken != nil {
		token = *in.ClientRequestToken
	}
	v := s.addVersionLocked(*in.Name, token, in.SecretString, in.SecretBinary, nil)
	sec := s.secrets[*in.Name]
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id}, nil
}

func (s *Server) putSecretValue(in putSecretValueInput) (any, *apiError) {
	if in.SecretId == nil {
		return nil, validation("Value null at 'secretId' failed to satisfy constraint: Member must not be null")
	}
	if e := checkValue(in.SecretString, in.SecretBinary, in.ClientRequestToken); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(*in.SecretId)
	switch {
	case sec == nil:
		return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	case sec.deleted:
		return nil, badRequest("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.")
	}
	token := ""
	if in.ClientRequestToken != nil {
		token = *in.ClientRequestToken
		if sec.version(token) != nil {
			return nil, badRequest("ResourceExistsException", "A version with this ClientRequestToken already exists.")
		}
	}
	v := s.addVersionLocked(sec.name, token, in.SecretString, in.SecretBinary, in.VersionStages)
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": sec.stagesOf(v)}, nil
}

func (s *Server) updateSecretVersionStage(in updateSecretVersionStageInput) (any, *apiError) {
	if in.SecretId == nil || in.VersionStage == nil || *in.VersionStage == "" || len(*in.VersionStage) > MaxStageLength {
		return nil, validation("SecretId and a VersionStage of 1 to %d characters are required", MaxStageLength)
	}
	stage := *in.VersionStage
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(*in.SecretId)
	if sec == nil {
		return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	holder := sec.stages[stage]
	if in.RemoveFromVersionId != nil && (holder == nil || holder.id != *in.RemoveFromVersionId) {
		return nil, invalidParameter("The staging label %s is not attached to version %s.", stage, *in.RemoveFromVersionId)
	}
	if holder != nil && in.MoveToVersionId != nil && in.RemoveFromVersionId == nil && holder.id != *in.MoveToVersionId {
		return nil, invalidParameter("The staging label %s is attached to another version: give RemoveFromVersionId.", stage)
	}
	switch {
	case in.MoveToVersionId != nil:
		v := sec.version(*in.MoveToVersionId)
		if v == nil {
			return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret version.")
		}
		sec.moveStage(stage, v)
	case stage == StageCurrent:
		return nil, invalidParameter("You can't remove the staging label AWSCURRENT; move it to another version instead.")
	default:
		delete(sec.stages, stage)
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name}, nil
}

func (s *Server) deleteSecret(in deleteSecretInput) (any, *apiError) {
	if in.SecretId == nil {
		return nil, validation("Value null at 'secretId' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(*in.SecretId)
	if sec == nil {
		return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	out := map[string]any{"ARN": sec.arn, "Name": sec.name,
		"DeletionDate": float64(s.core.Now().UnixMilli()) / 1000}
	if in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery {
		delete(s.secrets, sec.name)
		return out, nil
	}
	sec.deleted = true
	return out, nil
}
