package ssm

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
)

const backendName = "ssm"

// Backend reads parameters from AWS Systems Manager Parameter Store. It is
// safe for concurrent use.
type Backend struct {
	client      *ssmsdk.Client
	decrypt     bool
	concurrency int
	limiter     *rate.Limiter // WithRateLimit; nil: none

	// built is the HTTP client New configured, nil with WithClient or a
	// custom HTTP client; kept for tests of the production defaults.
	built *awshttp.BuildableClient
}

var (
	_ vaultly.Backend          = (*Backend)(nil)
	_ vaultly.BatchBackend     = (*Backend)(nil)
	_ backendkit.PrefixBackend = (*Backend)(nil)
)

// New returns a Backend. Without WithClient or WithConfig it loads the
// default AWS configuration (config.LoadDefaultConfig: AWS_REGION,
// AWS_PROFILE, the shared config and credentials files, the credential
// chain, AWS_ENDPOINT_URL_SSM and so on) and builds a client with the
// production defaults: DefaultConnectTimeout, DefaultReadTimeout, and the
// SDK's retryer (standard mode unless the configuration asks for
// adaptive) limited to DefaultMaxAttempts attempts. Errors match
// vaultly.ErrConfig; an option given an invalid value (an empty region, a
// nil client, a batch concurrency below 1, a rate limit that is not
// positive) is an error naming the option,
// and no region at all (none from the options, AWS_REGION,
// AWS_DEFAULT_REGION or the shared config file; a WithClient client
// without one) is an error naming what to set. Credentials are looked up
// on the first read, not by New: when none can be found, or AWS refuses
// them, every read fails with vaultly.ErrAuth and a hint of what to set,
// and is not retried. Nil options are ignored.
func New(opts ...Option) (*Backend, error) {
	o := defaultOptions()
	if err := awsclient.Apply(&o, opts); err != nil {
		return nil, err
	}
	b := &Backend{decrypt: o.decrypt, concurrency: o.Concurrency, limiter: o.Limiter}
	if o.client != nil {
		if err := o.CheckClient("ssm", o.client.Options().Region); err != nil {
			return nil, err
		}
		b.client = o.client
		return b, nil
	}
	cfg, built, err := o.Resolve(context.Background())
	if err != nil {
		return nil, err
	}
	b.built = built
	b.client = ssmsdk.NewFromConfig(cfg, capAttempts)
	return b, nil
}

// capAttempts limits the retryer to DefaultMaxAttempts attempts; a
// configuration that asks for fewer keeps its lower number.
func capAttempts(so *ssmsdk.Options) {
	so.RetryMaxAttempts = awsclient.CapAttempts(so.Retryer, so.RetryMaxAttempts)
}

// Name returns "ssm", for wrappers that name their inner backend.
func (b *Backend) Name() string { return backendName }

// Client returns the SDK client the backend uses.
func (b *Backend) Client() *ssmsdk.Client { return b.client }

// selector is the name SSM is asked for: the path, with ":version" or
// ":label" when ref has a version.
func selector(ref vaultly.Ref) string {
	if ref.Version == "" {
		return ref.Path
	}
	return ref.Path + ":" + ref.Version
}

// checkRef refuses Refs SSM can never serve, without a network call.
func checkRef(ref vaultly.Ref) error {
	switch {
	case ref.Path == "":
		return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref, Msg: "empty parameter name"}
	case len(ref.Path) > maxNameLength:
		return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: fmt.Sprintf("parameter name longer than %d characters", maxNameLength)}
	}
	return nil
}

const maxNameLength = 2048

// markCredentials is the option every call passes: credential failures
// become ErrAuth and are not retried (awsclient.MarkCredentialErrors).
func markCredentials(o *ssmsdk.Options) {
	o.APIOptions = append(o.APIOptions, awsclient.MarkCredentialErrors)
}

// Get reads one parameter with GetParameter.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := checkRef(ref); err != nil {
		return "", err
	}
	if err := awsclient.Wait(ctx, b.limiter); err != nil {
		return "", classify(ctx, ref, err)
	}
	out, err := b.client.GetParameter(ctx, &ssmsdk.GetParameterInput{
		Name:           aws.String(selector(ref)),
		WithDecryption: aws.Bool(b.decrypt),
	}, markCredentials)
	if err != nil {
		return "", classify(ctx, ref, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", backendkit.NewError(backendName, vaultly.ErrTransient, ref, errors.New("answer without a parameter value"))
	}
	return *out.Parameter.Value, nil
}
