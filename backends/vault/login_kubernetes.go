package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/vault/api"
)

// ServiceAccountTokenFile sets the file Kubernetes reads the pod's
// service-account JWT from (default DefaultServiceAccountTokenFile), such
// as a projected token with its own audience. Kubernetes only.
func ServiceAccountTokenFile(path string) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("ServiceAccountTokenFile", methodKubernetes); err != nil {
			return err
		}
		if path == "" {
			return configError("ServiceAccountTokenFile: empty path")
		}
		c.saTokenFile = path
		return nil
	}
}

// kubernetesLogin logs in at auth/<mount>/login with the pod's
// service-account JWT, read from its file at every login.
type kubernetesLogin struct {
	role, mount, file string
}

var _ api.AuthMethod = (*kubernetesLogin)(nil)

// Kubernetes returns a Kubernetes login for WithAuth, as the Vault role
// role. The service-account token is read from its file (option
// ServiceAccountTokenFile) at every login, because projected tokens
// rotate: the official github.com/hashicorp/vault/api/auth/kubernetes
// helper reads it once, when it is built. Options: LoginMount,
// ServiceAccountTokenFile. An empty role is an ErrConfig error.
func Kubernetes(role string, opts ...LoginOption) (api.AuthMethod, error) {
	var errs []error
	if role == "" {
		errs = append(errs, configError("Kubernetes: empty role"))
	}
	c, err := newLoginConfig(methodKubernetes, DefaultKubernetesMount, opts)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	file := c.saTokenFile
	if file == "" {
		file = DefaultServiceAccountTokenFile
	}
	return &kubernetesLogin{role: role, mount: c.mount, file: file}, nil
}

// Login implements api.AuthMethod.
func (k *kubernetesLogin) Login(ctx context.Context, client *api.Client) (*api.Secret, error) {
	jwt, err := readCredentialFile(ctx, "service-account token", k.file)
	if err != nil {
		return nil, fmt.Errorf("kubernetes login: %w", err)
	}
	return client.Logical().WriteWithContext(ctx, "auth/"+k.mount+"/login", map[string]any{
		"role": k.role,
		"jwt":  jwt,
	})
}
