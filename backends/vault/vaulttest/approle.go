package vaulttest

import (
	"context"

	"github.com/hashicorp/vault/api"
)

// AppRole is an api.AuthMethod that logs in at auth/approle/login, for
// tests that do not want the github.com/hashicorp/vault/api/auth/approle
// module. It works against this server and against a real Vault.
type AppRole struct {
	RoleID, SecretID string
	// MountPath is the approle mount (default "approle").
	MountPath string
}

var _ api.AuthMethod = AppRole{}

// Login implements api.AuthMethod.
func (a AppRole) Login(ctx context.Context, client *api.Client) (*api.Secret, error) {
	mount := a.MountPath
	if mount == "" {
		mount = "approle"
	}
	return client.Logical().WriteWithContext(ctx, "auth/"+mount+"/login", map[string]any{
		"role_id":   a.RoleID,
		"secret_id": a.SecretID,
	})
}

// appRoleLogin checks an approle login. s.mu must not be held.
func (s *Server) appRoleLogin(roleID, secretID string) (map[string]any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	role, ok := s.roles[roleID]
	if !ok || secretID != role.secretID {
		return nil, "invalid role or secret ID"
	}
	return s.issueLoginTokenLocked(roleID, role.denied), ""
}
