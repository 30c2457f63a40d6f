package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/hashicorp/vault/api"
)

// SecretID says where AppRole reads its secret id: a string, a file or an
// environment variable. A file or variable is read again at every login.
type SecretID struct {
	from  string // "string", "file" or "env"
	value string // the id, the path or the variable's name
}

// SecretIDFromString is a secret id given as it is.
func SecretIDFromString(id string) SecretID { return SecretID{from: "string", value: id} }

// SecretIDFromFile reads the secret id from a file (surrounding white
// space trimmed) at every login.
func SecretIDFromFile(path string) SecretID { return SecretID{from: "file", value: path} }

// SecretIDFromEnv reads the secret id from an environment variable at
// every login.
func SecretIDFromEnv(name string) SecretID { return SecretID{from: "env", value: name} }

func (s SecretID) check() error {
	switch s.from {
	case "":
		return configError("AppRole: no secret id: use SecretIDFromString, SecretIDFromFile or SecretIDFromEnv")
	case "string":
		if s.value == "" {
			return configError("AppRole: SecretIDFromString: empty secret id")
		}
	case "file":
		if s.value == "" {
			return configError("AppRole: SecretIDFromFile: empty path")
		}
	case "env":
		if s.value == "" {
			return configError("AppRole: SecretIDFromEnv: empty variable name")
		}
	}
	return nil
}

func (s SecretID) read(ctx context.Context, what string) (string, error) {
	switch s.from {
	case "file":
		return readCredentialFile(ctx, what, s.value)
	case "env":
		v := strings.TrimSpace(os.Getenv(s.value))
		if v == "" {
			return "", fmt.Errorf("the %s variable %s is not set or empty", what, s.value)
		}
		return v, nil
	}
	return s.value, nil
}

// WrappedSecretID says that what the SecretID source holds is a
// response-wrapping token (`vault write -wrap-ttl=... -f
// auth/approle/role/NAME/secret-id`), not the secret id itself. AppRole
// unwraps it at its first login and keeps the secret id in memory for the
// logins after, since a wrapping token can be unwrapped only once; when
// the source later holds a different wrapping token (an orchestrator
// delivered a new one), that one is unwrapped. AppRole only.
func WrappedSecretID() LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("WrappedSecretID", methodAppRole); err != nil {
			return err
		}
		c.wrapped = true
		return nil
	}
}

// appRole logs in at auth/<mount>/login with a role id and a secret id.
type appRole struct {
	roleID   string
	secretID SecretID
	mount    string
	wrapped  bool

	mu        sync.Mutex // held through an unwrap: a token unwraps once
	lastWrap  string     // the wrapping token unwrapped last
	unwrapped string     // the secret id it held
}

var _ api.AuthMethod = (*appRole)(nil)

// AppRole returns an AppRole login for WithAuth: role id roleID, secret
// id from secretID (read again at every login). Options: LoginMount,
// WrappedSecretID. An empty role id or secret id source is an ErrConfig
// error.
func AppRole(roleID string, secretID SecretID, opts ...LoginOption) (api.AuthMethod, error) {
	var errs []error
	if roleID == "" {
		errs = append(errs, configError("AppRole: empty role id"))
	}
	errs = append(errs, secretID.check())
	c, err := newLoginConfig(methodAppRole, DefaultAppRoleMount, opts)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &appRole{roleID: roleID, secretID: secretID, mount: c.mount, wrapped: c.wrapped}, nil
}

// Login implements api.AuthMethod.
func (a *appRole) Login(ctx context.Context, client *api.Client) (*api.Secret, error) {
	what := "secret id"
	if a.wrapped {
		what = "secret id wrapping token"
	}
	sid, err := a.secretID.read(ctx, what)
	if err != nil {
		return nil, fmt.Errorf("approle login: %w", err)
	}
	if a.wrapped {
		if sid, err = a.unwrap(ctx, client, sid); err != nil {
			return nil, err
		}
	}
	return client.Logical().WriteWithContext(ctx, "auth/"+a.mount+"/login", map[string]any{
		"role_id":   a.roleID,
		"secret_id": sid,
	})
}

// unwrap returns the secret id behind the wrapping token wt, unwrapping it
// only when it differs from the one unwrapped last.
func (a *appRole) unwrap(ctx context.Context, client *api.Client, wt string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if wt == a.lastWrap {
		return a.unwrapped, nil
	}

	// The wrapping token authenticates the unwrap itself, on a copy of
	// the client so that it never becomes the client's token.
	uc := client.WithNamespace(client.Namespace())
	uc.SetToken(wt)
	s, err := uc.Logical().UnwrapWithContext(ctx, "")
	if err != nil {
		return "", fmt.Errorf("approle login: unwrapping the secret id: %w", err)
	}
	var sid string
	if s != nil {
		sid, _ = s.Data["secret_id"].(string)
	}
	if sid == "" {
		return "", errors.New("approle login: the wrapping token held no secret_id")
	}
	a.lastWrap, a.unwrapped = wt, sid
	return sid, nil
}
