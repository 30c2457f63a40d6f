package smtest

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The staging labels Secrets Manager manages itself.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Limits the fake enforces, as the service does.
const (
	MaxIDsPerBatch    = 20  // SecretIdList of BatchGetSecretValue
	MaxResultsPerPage = 20  // MaxResults of a filtered BatchGetSecretValue
	MaxNameLength     = 512 // characters in a secret name
	MaxStageLength    = 256 // characters in a staging label
	MaxFilterValue    = 512 // characters in a filter value
)

type version struct {
	id      string
	str     *string
	bin     []byte
	created time.Time
}

type secret struct {
	name     string
	arn      string
	versions []*version          // in creation order
	stages   map[string]*version // staging label -> version
	deleted  bool                // scheduled for deletion
	failCode string              // FailSecret
}

func (sec *secret) version(id string) *version {
	for _, v := range sec.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

// stagesOf returns the labels attached to v, sorted.
func (sec *secret) stagesOf(v *version) []string {
	out := []string{}
	for l, lv := range sec.stages {
		if lv == v {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// moveStage attaches label to v; moving AWSCURRENT makes the version that
// held it AWSPREVIOUS, as the service does.
func (sec *secret) moveStage(label string, v *version) {
	old := sec.stages[label]
	sec.stages[label] = v
	if label == StageCurrent && old != nil && old != v {
		sec.stages[StagePrevious] = old
	}
}

// validName reports whether the service accepts name as a secret name:
// 1 to 512 characters, ASCII letters, digits and /_+=.@-.
func validName(name string) bool {
	if name == "" || len(name) > MaxNameLength {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+=.@-", r)) {
			return false
		}
	}
	return true
}

// misuse reports a mistake in the test code: it fails the test of a
// server made by NewServer and panics for one made by New.
func (s *Server) misuse(format string, args ...any) { s.core.Misuse(format, args...) }

// Put stores value as a new version of the secret name (creating the
// secret), makes it AWSCURRENT, and returns its version id. The version
// that was AWSCURRENT becomes AWSPREVIOUS, as PutSecretValue does. A name
// the service would refuse (empty, longer than MaxNameLength, with a
// character other than ASCII letters, digits and /_+=.@-) stores nothing
// and returns ""; it fails the test of a server made by NewServer, and
// panics for one made by New.
func (s *Server) Put(name, value string) string {
	return s.put(name, &value, nil, nil)
}

// PutBinary stores value as a new SecretBinary version of name and makes
// it AWSCURRENT, like Put.
func (s *Server) PutBinary(name string, value []byte) string {
	return s.put(name, nil, append([]byte{}, value...), nil)
}

// PutStaged stores value as a new version of name with the given staging
// labels (moved off any other version), as PutSecretValue with
// VersionStages does: PutStaged(name, v, StagePending) adds a pending
// version and leaves AWSCURRENT where it was. Without labels it is Put.
func (s *Server) PutStaged(name, value string, stages ...string) string {
	for _, l := range stages {
		if l == "" || len(l) > MaxStageLength {
			s.misuse("invalid staging label %q", l)
			return ""
		}
	}
	return s.put(name, &value, nil, stages)
}

func (s *Server) put(name string, str *string, bin []byte, stages []string) string {
	if !validName(name) {
		s.misuse("invalid secret name %q", name)
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addVersionLocked(name, "", str, bin, stages).id
}

// addVersionLocked adds a version to name (creating the secret) with the
// id given, or a new one, and the staging labels (AWSCURRENT when none).
// s.mu must be held.
func (s *Server) addVersionLocked(name, id string, str *string, bin []byte, stages []string) *version {
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	sec := s.secrets[name]
	if sec == nil {
		sec = &secret{name: name, arn: s.arnFor(name), stages: map[string]*version{}}
		s.secrets[name] = sec
	}
	if id == "" {
		s.nextVer++
		id = fmt.Sprintf("00000000-5e7a-4000-8000-%012d", s.nextVer)
	}
	v := &version{id: id, str: str, bin: bin, created: s.core.Now()}
	sec.versions = append(sec.versions, v)
	for _, l := range stages {
		sec.moveStage(l, v)
	}
	return v
}

// SetStage attaches the staging label stage to the version versionID of
// name, moving it off the version that held it, as
// UpdateSecretVersionStage does; moving AWSCURRENT makes the version that
// held it AWSPREVIOUS.
func (s *Server) SetStage(name, stage, versionID string) error {
	if stage == "" || len(stage) > MaxStageLength {
		return fmt.Errorf("smtest: invalid staging label %q", stage)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil {
		return fmt.Errorf("smtest: secret %q not found", name)
	}
	v := sec.version(versionID)
	if v == nil {
		return fmt.Errorf("smtest: secret %q has no version %s", name, versionID)
	}
	sec.moveStage(stage, v)
	return nil
}

// RemoveStage removes the staging label stage from name. AWSCURRENT can
// only be moved, never removed, as in the service.
func (s *Server) RemoveStage(name, stage string) error {
	if stage == StageCurrent {
		return fmt.Errorf("smtest: %s can only be moved to another version", StageCurrent)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil {
		return fmt.Errorf("smtest: secret %q not found", name)
	}
	delete(sec.stages, stage)
	return nil
}

// VersionID returns the id of the version of name that holds the staging
// label stage, or "".
func (s *Server) VersionID(name, stage string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.secrets[name]; sec != nil && sec.stages[stage] != nil {
		return sec.stages[stage].id
	}
	return ""
}

// ScheduleDeletion marks name as scheduled for deletion, as DeleteSecret
// with a recovery window does: reads of it fail with
// InvalidRequestException and filtered listings leave it out. It reports
// whether the secret existed.
func (s *Server) ScheduleDeletion(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec != nil {
		sec.deleted = true
	}
	return sec != nil
}

// Delete removes name and all its versions at once (DeleteSecret with
// ForceDeleteWithoutRecovery). It reports whether it existed.
func (s *Server) Delete(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.secrets[name]
	delete(s.secrets, name)
	return ok
}

// FailSecret makes every read of name fail with the error code, as a
// resource policy or a KMS key that denies the caller does:
// GetSecretValue answers with that error (HTTP 500 for
// InternalServiceError, else 400), and BatchGetSecretValue lists the
// secret in its Errors. Codes with a known message: AccessDeniedException,
// DecryptionFailure, ResourceNotFoundException, InternalServiceError.
// ClearFaults undoes it.
func (s *Server) FailSecret(name, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil {
		s.mu.Unlock()
		s.misuse("FailSecret: secret %q not found", name)
		s.mu.Lock()
		return
	}
	sec.failCode = code
}

// ARN returns the ARN of name, or "" when there is no such secret.
func (s *Server) ARN(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.secrets[name]; sec != nil {
		return sec.arn
	}
	return ""
}

// Names returns the names of all stored secrets, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.secrets))
	for n := range s.secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Server) arnPrefix() string {
	return "arn:aws:secretsmanager:" + s.region + ":" + Account + ":secret:"
}

// arnFor is the ARN of a new secret: the name, a hyphen and six characters
// (random in the service, derived from the name here).
func (s *Server) arnFor(name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sum := sha256.Sum256([]byte(name))
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return s.arnPrefix() + name + "-" + string(suffix)
}

// lookup finds the secret id names: a name, a full ARN or a partial ARN
// (without the six characters). Call with s.mu held.
func (s *Server) lookup(id string) *secret {
	rest, isARN := strings.CutPrefix(id, s.arnPrefix())
	if !isARN {
		return s.secrets[id]
	}
	if sec := s.secrets[rest]; sec != nil {
		return sec // a partial ARN
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		if sec := s.secrets[rest[:i]]; sec != nil && sec.arn == id {
			return sec
		}
	}
	return nil
}

// secretName is the name of the secret id names, for fault matching: the
// name itself when nothing is stored under it.
func (s *Server) secretName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.lookup(id); sec != nil {
		return sec.name
	}
	return id
}
