package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/vault/api"
)

// tokenFile "logs in" by reading a token from a file, such as the one
// Vault Agent's file sink writes (and keeps renewed).
type tokenFile struct {
	path string
}

var _ api.AuthMethod = (*tokenFile)(nil)

// TokenFile returns a login for WithAuth that reads the token from path,
// surrounding white space trimmed, at every login: what Vault Agent's
// file sink (auto_auth with sink "file", without wrapping or encryption)
// writes. The agent renews the token and writes a new one when it logs in
// again, so the backend never renews a token from a file: it reads the
// file again at about two thirds of the token's remaining TTL (looked up
// with auth/token/lookup-self) and when Vault refuses the token. It takes
// no options today; an empty path is an ErrConfig error.
func TokenFile(path string, opts ...LoginOption) (api.AuthMethod, error) {
	var errs []error
	if path == "" {
		errs = append(errs, configError("TokenFile: empty path"))
	}
	_, err := newLoginConfig(methodTokenFile, "", opts)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &tokenFile{path: path}, nil
}

// Login implements api.AuthMethod: the answer carries the token and no
// TTL, which the backend looks up.
func (f *tokenFile) Login(ctx context.Context, _ *api.Client) (*api.Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	token, err := readCredentialFile(ctx, "token", f.path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	return &api.Secret{Auth: &api.SecretAuth{ClientToken: token}}, nil
}

// renewsItself marks a login whose tokens someone else renews (Vault
// Agent): the backend logs in again (reads the file) instead of renewing.
func (*tokenFile) renewsItself() {}
