package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The built-in login methods (AppRole, Kubernetes, AWSIAM, TokenFile)
// share one shape: a constructor taking what the method cannot do
// without, then LoginOptions, returning an api.AuthMethod for WithAuth.
// An option a method does not take, or given an invalid value, is an
// ErrConfig error naming the option. Every credential (a secret id, a
// service-account JWT, a token file) is read again at every login, so a
// rotated file is picked up; no error quotes one.

// Default mount paths of the auth methods (LoginMount changes them).
const (
	DefaultAppRoleMount    = "approle"
	DefaultKubernetesMount = "kubernetes"
	DefaultAWSMount        = "aws"
	// DefaultServiceAccountTokenFile is where Kubernetes mounts a pod's
	// service-account token.
	DefaultServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// maxCredentialFile caps what is read of a secret-id, JWT or token file.
const maxCredentialFile = 64 << 10

// LoginOption configures a login method (AppRole, Kubernetes, AWSIAM,
// TokenFile).
type LoginOption func(*loginConfig) error

// method names, as printed in errors.
const (
	methodAppRole    = "AppRole"
	methodKubernetes = "Kubernetes"
	methodAWS        = "AWSIAM"
	methodTokenFile  = "TokenFile"
)

type loginConfig struct {
	method string // one of the method names: which options apply

	mount       string
	wrapped     bool
	saTokenFile string
	awsCreds    aws.CredentialsProvider
	awsRegion   string
	awsServerID string
	awsEndpoint string
}

// applies reports an error when option is not one of method's.
func (c *loginConfig) applies(option string, methods ...string) error {
	for _, m := range methods {
		if m == c.method {
			return nil
		}
	}
	return configError("%s: not an option of %s", option, c.method)
}

func newLoginConfig(method, mount string, opts []LoginOption) (*loginConfig, error) {
	c := &loginConfig{method: method, mount: mount}
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// LoginMount sets the path the auth method is mounted at, without the
// "auth/" prefix (default "approle", "kubernetes" or "aws"): a cluster's
// Kubernetes auth is often mounted at a path of its own, such as
// "k8s-prod". Leading and trailing slashes are dropped; an empty path, or
// one with an empty, "." or ".." segment, is an error. Not for TokenFile.
func LoginMount(path string) LoginOption {
	return func(c *loginConfig) error {
		if err := c.applies("LoginMount", methodAppRole, methodKubernetes, methodAWS); err != nil {
			return err
		}
		m := strings.Trim(path, "/")
		if err := checkPath(m); err != nil {
			return configError("LoginMount(%q): %v", path, err)
		}
		c.mount = m
		return nil
	}
}

// readCredentialFile reads a credential file, trimming surrounding white
// space. what names the credential in errors, which name the path but
// never quote the content. The open does not block, and a read that waits
// (a FIFO or a terminal) ends with ctx.
func readCredentialFile(ctx context.Context, what, path string) (string, error) {
	f, err := os.OpenFile(path, credentialOpenFlags, 0)
	if err != nil {
		return "", fmt.Errorf("reading the %s: %w", what, err)
	}
	defer f.Close()
	// Deadlines apply to what can wait (pipes, terminals); a regular
	// file ignores them.
	if d, ok := ctx.Deadline(); ok {
		_ = f.SetReadDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	b, err := io.ReadAll(io.LimitReader(f, maxCredentialFile+1))
	if err != nil {
		return "", fmt.Errorf("reading the %s: %w", what, err)
	}
	if len(b) > maxCredentialFile {
		return "", fmt.Errorf("the %s file %s is larger than %d bytes", what, path, maxCredentialFile)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("the %s file %s is empty", what, path)
	}
	return s, nil
}
