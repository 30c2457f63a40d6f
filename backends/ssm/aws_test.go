package ssm_test

import (
	"testing"
	"time"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
	"github.com/vaultly/vaultly/internal/awsbackendtest"
)

// harness describes the backend and ssmtest for the tests it shares with
// package secretsmanager.
var harness = awsbackendtest.Harness{
	Name:        "ssm",
	EndpointEnv: "AWS_ENDPOINT_URL_SSM",
	Path:        "/a",
	Other:       "/b",
	GetOp:       ssmtest.OpGetParameter,
	BatchOp:     ssmtest.OpGetParameters,
	PolicyHint:  []string{"ssm:GetParameter"},

	NewFake: func(t *testing.T) awsbackendtest.Fake { return ssmtest.NewServer(t) },
	Put:     func(f awsbackendtest.Fake, name, value string) { f.(*ssmtest.Server).Put(name, value) },
	InjectCode: func(f awsbackendtest.Fake, status int, code, msg string) {
		f.(*ssmtest.Server).Inject(ssmtest.ErrorCode(status, code, msg))
	},
	InternalError: func(f awsbackendtest.Fake) { f.(*ssmtest.Server).Inject(ssmtest.InternalError()) },
	Latency:       func(f awsbackendtest.Fake, d time.Duration) { f.(*ssmtest.Server).Inject(ssmtest.Latency(d)) },

	New: func(o awsbackendtest.Options) (awsbackendtest.Backend, error) {
		var opts []ssm.Option
		if o.Region != "" {
			opts = append(opts, ssm.WithRegion(o.Region))
		}
		if o.Config != nil {
			opts = append(opts, ssm.WithConfig(*o.Config))
		}
		if o.Client != nil {
			var fns []func(*ssmsdk.Options)
			if o.SetCreds {
				fns = append(fns, func(so *ssmsdk.Options) { so.Credentials = o.Creds })
			}
			if o.ReadTimeout > 0 {
				fns = append(fns, ssmtest.WithReadTimeout(o.ReadTimeout))
			}
			opts = append(opts, ssm.WithClient(o.Client.(*ssmtest.Server).Client(fns...)))
		}
		if o.NoRegionClient {
			opts = append(opts, ssm.WithClient(ssmsdk.New(ssmsdk.Options{Credentials: o.Creds})))
		}
		b, err := ssm.New(opts...)
		if err != nil {
			return nil, err
		}
		return b, nil
	},
	Inspect: func(b awsbackendtest.Backend) awsbackendtest.Client {
		sb := b.(*ssm.Backend)
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
		awsbackendtest.AuthCode{Code: "AccessDeniedException", Hint: harness.PolicyHint, SDKErr: new(*types.AccessDeniedException)},
		awsbackendtest.AuthCode{Code: "InvalidKeyId", Hint: []string{"kms:Decrypt"}, SDKErr: new(*types.InvalidKeyId)},
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
	awsbackendtest.RunDocsMirrored(t, "ssm")
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
