package secretsmanager_test

import (
	"testing"
	"time"

	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
	"github.com/vaultly/vaultly/internal/awsbackendtest"
)

// harness describes the backend and smtest for the tests it shares with
// package ssm.
var harness = awsbackendtest.Harness{
	Name:        "secretsmanager",
	EndpointEnv: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	Path:        "a",
	Other:       "b",
	GetOp:       smtest.OpGetSecretValue,
	BatchOp:     smtest.OpBatchGetSecretValue,
	PolicyHint:  []string{"secretsmanager:GetSecretValue"},

	NewFake: func(t *testing.T) awsbackendtest.Fake { return smtest.NewServer(t) },
	Put:     func(f awsbackendtest.Fake, name, value string) { f.(*smtest.Server).Put(name, value) },
	InjectCode: func(f awsbackendtest.Fake, status int, code, msg string) {
		f.(*smtest.Server).Inject(smtest.ErrorCode(status, code, msg))
	},
	InternalError: func(f awsbackendtest.Fake) { f.(*smtest.Server).Inject(smtest.InternalError()) },
	Latency:       func(f awsbackendtest.Fake, d time.Duration) { f.(*smtest.Server).Inject(smtest.Latency(d)) },

	New: func(o awsbackendtest.Options) (awsbackendtest.Backend, error) {
		var opts []secretsmanager.Option
		if o.Region != "" {
			opts = append(opts, secretsmanager.WithRegion(o.Region))
		}
		if o.Config != nil {
			opts = append(opts, secretsmanager.WithConfig(*o.Config))
		}
		if o.Client != nil {
			var fns []func(*smsdk.Options)
			if o.SetCreds {
				fns = append(fns, func(so *smsdk.Options) { so.Credentials = o.Creds })
			}
			if o.ReadTimeout > 0 {
				fns = append(fns, smtest.WithReadTimeout(o.ReadTimeout))
			}
			opts = append(opts, secretsmanager.WithClient(o.Client.(*smtest.Server).Client(fns...)))
		}
		if o.NoRegionClient {
			opts = append(opts, secretsmanager.WithClient(smsdk.New(smsdk.Options{Credentials: o.Creds})))
		}
		b, err := secretsmanager.New(opts...)
		if err != nil {
			return nil, err
		}
		return b, nil
	},
	Inspect: func(b awsbackendtest.Backend) awsbackendtest.Client {
		sb := b.(*secretsmanager.Backend)
		so := sb.Client().Options()
		return awsbackendtest.Client{Region: so.Region, Retryer: so.Retryer, RetryMode: so.RetryMode, Built: sb.BuiltHTTPClient()}
	},
}

func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunMissingCredentials(t, harness)
}

func TestNewWithoutCredentials(t *testing.T) { awsbackendtest.RunNewWithoutCredentials(t, harness) }

func TestAuthErrorCodes(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunAuthErrorCodes(t, harness, append(harness.CommonAuthCodes(),
		// Not modelled by Secrets Manager.
		awsbackendtest.AuthCode{Code: "AccessDeniedException", Hint: harness.PolicyHint, SDKErr: new(smithy.APIError)},
		awsbackendtest.AuthCode{Code: "DecryptionFailure", Hint: []string{"kms:Decrypt"}, SDKErr: new(*types.DecryptionFailure)},
		awsbackendtest.AuthCode{Code: "OptInRequired", Hint: []string{"not subscribed"}, SDKErr: new(smithy.APIError)},
	))
}

func TestNewRegion(t *testing.T) { awsbackendtest.RunNewRegion(t, harness) }

func TestCredentialProcessOutputNotQuoted(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunCredentialProcessOutputNotQuoted(t, harness)
}

func TestNewFromEnvironment(t *testing.T) { awsbackendtest.RunNewFromEnvironment(t, harness) }

func TestNewAttemptsCap(t *testing.T) { awsbackendtest.RunNewAttemptsCap(t, harness) }

func TestNewOptions(t *testing.T) { awsbackendtest.RunNewOptions(t, harness) }

func TestNewEndpointAndRetryModeFromEnvironment(t *testing.T) {
	awsbackendtest.RunNewEndpointAndRetryModeFromEnvironment(t, harness)
}

func TestDocsMirrored(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunDocsMirrored(t, "secretsmanager")
}

func TestGetReadTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunGetReadTimeoutIsTransient(t, harness)
}

func TestGetCallerContext(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunGetCallerContext(t, harness)
}

func TestGetConnectionRefusedIsTransient(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunGetConnectionRefusedIsTransient(t, harness)
}

func TestGetBatchEmptyAndInvalidRefs(t *testing.T) {
	t.Parallel()
	awsbackendtest.RunGetBatchEmptyAndInvalidRefs(t, harness)
}
