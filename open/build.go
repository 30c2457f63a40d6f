package open

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/env"
	"github.com/vaultly/vaultly/backends/file"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/vault"
)

// build makes the backend s describes, with the backend's own options.
func build(ctx context.Context, s spec) (vaultly.Backend, error) {
	switch s.Scheme {
	case "env":
		return env.New(env.WithPrefix(s.Prefix))
	case "file":
		var opts []file.Option
		if s.MaxSize > 0 {
			opts = append(opts, file.WithMaxSize(s.MaxSize))
		}
		return file.New(s.Dir, opts...)
	case "mock":
		return mock.New(nil), nil
	case "ssm":
		return buildSSM(ctx, s)
	case "secretsmanager":
		return buildSecretsManager(ctx, s)
	case "vault":
		return buildVault(s)
	}
	return nil, configError("unknown scheme") // parse refuses it first
}

func buildSSM(ctx context.Context, s spec) (vaultly.Backend, error) {
	var opts []ssm.Option
	if s.Profile != "" {
		cfg, err := loadProfile(ctx, s)
		if err != nil {
			return nil, err
		}
		opts = append(opts, ssm.WithConfig(cfg))
	}
	if s.Region != "" {
		opts = append(opts, ssm.WithRegion(s.Region))
	}
	if s.Decrypt != nil {
		opts = append(opts, ssm.WithDecryption(*s.Decrypt))
	}
	if s.BatchConcurrency > 0 {
		opts = append(opts, ssm.WithBatchConcurrency(s.BatchConcurrency))
	}
	if s.RateLimit > 0 {
		opts = append(opts, ssm.WithRateLimit(s.RateLimit, s.Burst))
	}
	return ssm.New(opts...)
}

// loadProfile loads the AWS configuration of the profile s names.
func loadProfile(ctx context.Context, s spec) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithSharedConfigProfile(s.Profile)}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		msg := fmt.Sprintf("%s URL: parameter \"profile\": the profile cannot be loaded", s.Scheme)
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			msg = fmt.Sprintf("%s URL: parameter \"profile\": no such profile in the shared config files (~/.aws/config, ~/.aws/credentials)", s.Scheme)
		}
		// The SDK's error is not kept: its text may quote a line of a
		// credentials file.
		return aws.Config{}, &vaultly.BackendError{Backend: "open", Kind: vaultly.ErrConfig, Msg: msg}
	}
	return cfg, nil
}

func buildSecretsManager(ctx context.Context, s spec) (vaultly.Backend, error) {
	var opts []secretsmanager.Option
	if s.Profile != "" {
		cfg, err := loadProfile(ctx, s)
		if err != nil {
			return nil, err
		}
		opts = append(opts, secretsmanager.WithConfig(cfg))
	}
	if s.Region != "" {
		opts = append(opts, secretsmanager.WithRegion(s.Region))
	}
	if s.BatchConcurrency > 0 {
		opts = append(opts, secretsmanager.WithBatchConcurrency(s.BatchConcurrency))
	}
	if s.RateLimit > 0 {
		opts = append(opts, secretsmanager.WithRateLimit(s.RateLimit, s.Burst))
	}
	return secretsmanager.New(opts...)
}

func buildVault(s spec) (vaultly.Backend, error) {
	var opts []vault.Option
	if s.Address != "" {
		opts = append(opts, vault.WithAddress(s.Address))
	}
	if s.Mount != "" {
		opts = append(opts, vault.WithMount(s.Mount))
	}
	if s.Namespace != "" {
		opts = append(opts, vault.WithNamespace(s.Namespace))
	}
	if s.DefaultKey != "" {
		opts = append(opts, vault.WithDefaultKey(s.DefaultKey))
	}
	if s.Concurrency > 0 {
		opts = append(opts, vault.WithConcurrency(s.Concurrency))
	}
	if s.KVVersion > 0 {
		opts = append(opts, vault.WithKVVersion(s.KVVersion))
	}
	if s.RateLimit > 0 {
		opts = append(opts, vault.WithRateLimit(s.RateLimit, s.Burst))
	}
	if s.Auth.Method != "" {
		m, err := login(s.Auth)
		if err != nil {
			return nil, err
		}
		opts = append(opts, vault.WithAuth(m))
	}
	return vault.New(opts...)
}

// login makes the Vault login method a describes.
func login(a authSpec) (api.AuthMethod, error) {
	var opts []vault.LoginOption
	if a.Mount != "" {
		opts = append(opts, vault.LoginMount(a.Mount))
	}
	switch a.Method {
	case "token_file":
		return vault.TokenFile(a.TokenFile)
	case "approle":
		id := vault.SecretIDFromFile(a.SecretIDFile)
		if a.SecretIDEnv != "" {
			id = vault.SecretIDFromEnv(a.SecretIDEnv)
		}
		if a.Wrapped {
			opts = append(opts, vault.WrappedSecretID())
		}
		return vault.AppRole(a.RoleID, id, opts...)
	case "kubernetes":
		if a.JWTFile != "" {
			opts = append(opts, vault.ServiceAccountTokenFile(a.JWTFile))
		}
		return vault.Kubernetes(a.Role, opts...)
	case "aws":
		if a.ServerID != "" {
			opts = append(opts, vault.AWSServerID(a.ServerID))
		}
		if a.Region != "" {
			opts = append(opts, vault.AWSRegion(a.Region))
		}
		return vault.AWSIAM(a.Role, opts...)
	}
	return nil, configError("vault URL: unknown login method") // parse refuses it first
}
