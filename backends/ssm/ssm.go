package ssm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/ratelimit"
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
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b := &Backend{decrypt: o.decrypt, concurrency: o.concurrency, limiter: o.limiter}
	if o.client != nil {
		if o.region != "" || o.cfg != nil {
			return nil, configError("WithClient cannot be combined with WithRegion or WithConfig", nil)
		}
		if o.client.Options().Region == "" {
			return nil, configError("WithClient: the client has no region: set ssm.Options.Region "+
				"(config.LoadDefaultConfig reads it from AWS_REGION, AWS_DEFAULT_REGION or the profile; WithRegion cannot be combined with WithClient)", nil)
		}
		b.client = o.client
		return b, nil
	}

	var cfg aws.Config
	if o.cfg != nil {
		cfg = o.cfg.Copy()
	} else {
		var loadOpts []func(*config.LoadOptions) error
		if o.region != "" {
			loadOpts = append(loadOpts, config.WithRegion(o.region))
		}
		loaded, err := config.LoadDefaultConfig(context.Background(), loadOpts...)
		if err != nil {
			return nil, configError("loading the AWS configuration", err)
		}
		cfg = loaded
	}
	if o.region != "" {
		cfg.Region = o.region
	}
	if cfg.Region == "" {
		return nil, configError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), "+
			"a region in the profile of the shared config file (~/.aws/config, AWS_PROFILE), or use WithRegion", nil)
	}
	if hc, ok := productionHTTPClient(cfg.HTTPClient); ok {
		b.built = hc
		// Freeze keeps the SDK's defaults mode from overriding the timeouts.
		cfg.HTTPClient = hc.Freeze()
	}
	b.client = ssmsdk.NewFromConfig(cfg, capAttempts)
	return b, nil
}

// capAttempts limits the retryer to DefaultMaxAttempts attempts; a
// configuration that asks for fewer (AWS_MAX_ATTEMPTS, max_attempts, a
// retryer in WithConfig) keeps its lower number.
func capAttempts(so *ssmsdk.Options) {
	n := DefaultMaxAttempts
	if so.Retryer != nil {
		if m := so.Retryer.MaxAttempts(); m > 0 && m < n {
			n = m
		}
	}
	if m := so.RetryMaxAttempts; m > 0 && m < n {
		n = m
	}
	so.RetryMaxAttempts = n
}

// productionHTTPClient applies the connect and read timeouts to the
// configuration's HTTP client when it is one the SDK built (or none).
// A custom client is the caller's and is left alone.
func productionHTTPClient(hc aws.HTTPClient) (*awshttp.BuildableClient, bool) {
	var bc *awshttp.BuildableClient
	switch c := hc.(type) {
	case nil:
		bc = awshttp.NewBuildableClient()
	case *awshttp.BuildableClient:
		bc = c
	default:
		return nil, false
	}
	bc = bc.WithDialerOptions(func(d *net.Dialer) { d.Timeout = DefaultConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.TLSHandshakeTimeout = DefaultConnectTimeout }).
		WithReadTimeout(DefaultReadTimeout)
	return bc, true
}

func configError(msg string, cause error) error {
	return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Msg: msg, Err: cause}
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
// become ErrAuth and are not retried (markCredentialErrors).
func markCredentials(o *ssmsdk.Options) {
	o.APIOptions = append(o.APIOptions, markCredentialErrors)
}

// Get reads one parameter with GetParameter.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := checkRef(ref); err != nil {
		return "", err
	}
	if err := b.wait(ctx, ref); err != nil {
		return "", err
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

// errRateLimit is the cause of a call that gave up waiting for its turn
// under WithRateLimit.
var errRateLimit = errors.New("waiting for the client-side rate limit (WithRateLimit)")

// wait blocks until the rate limit allows one API call for ref. When the
// context ends first, or its deadline comes before the call's turn, the
// error matches the context's error and no kind.
func (b *Backend) wait(ctx context.Context, ref vaultly.Ref) error {
	if err := ratelimit.Wait(ctx, b.limiter); err != nil {
		return backendkit.NewCanceledError(backendName, ref, err, errRateLimit)
	}
	return nil
}
