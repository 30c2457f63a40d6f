package secretsmanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

const backendName = "secretsmanager"

// Backend reads secrets from AWS Secrets Manager. It is safe for
// concurrent use.
type Backend struct {
	client      *smsdk.Client
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
// chain, AWS_ENDPOINT_URL_SECRETS_MANAGER and so on) and builds a client
// with the production defaults: DefaultConnectTimeout,
// DefaultReadTimeout, and the SDK's retryer (standard mode unless the
// configuration asks for adaptive) limited to DefaultMaxAttempts attempts.
// Errors match vaultly.ErrConfig; an option given an invalid value (an
// empty region, a nil client, a batch concurrency below 1, a bad rate
// limit) is an error naming the option, and no region at all (none from
// the options, AWS_REGION, AWS_DEFAULT_REGION or the shared config file; a
// WithClient client without one) is an error naming what to set.
// Credentials are looked up on the first read, not by New: when none can
// be found, or AWS refuses them, every read fails with vaultly.ErrAuth and
// a hint of what to set, and is not retried. Nil options are ignored.
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
	b := &Backend{concurrency: o.concurrency, limiter: o.limiter}
	if o.client != nil {
		if o.region != "" || o.cfg != nil {
			return nil, configError("WithClient cannot be combined with WithRegion or WithConfig", nil)
		}
		if o.client.Options().Region == "" {
			return nil, configError("WithClient: the client has no region: set secretsmanager.Options.Region "+
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
	b.client = smsdk.NewFromConfig(cfg, capAttempts)
	return b, nil
}

// capAttempts limits the retryer to DefaultMaxAttempts attempts; a
// configuration that asks for fewer (AWS_MAX_ATTEMPTS, max_attempts, a
// retryer in WithConfig) keeps its lower number.
func capAttempts(so *smsdk.Options) {
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

// Name returns "secretsmanager", for wrappers that name their inner
// backend.
func (b *Backend) Name() string { return backendName }

// Client returns the SDK client the backend uses.
func (b *Backend) Client() *smsdk.Client { return b.client }

// callOptions is the per-call option every request passes: credential
// failures become ErrAuth and are not retried (markCredentialErrors).
func callOptions(o *smsdk.Options) {
	o.APIOptions = append(o.APIOptions, markCredentialErrors)
}

// Limits of the service on what a Ref can hold.
const (
	maxIDLength    = 2048 // SecretId: a name (up to 512) or an ARN
	maxStageLength = 256  // VersionStage
)

// checkRef refuses Refs Secrets Manager can never serve, without a
// network call.
func checkRef(ref vaultly.Ref) error {
	switch {
	case ref.Path == "":
		return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref, Msg: "empty secret name"}
	case len(ref.Path) > maxIDLength:
		return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: fmt.Sprintf("secret id longer than %d characters", maxIDLength)}
	case len(ref.Version) > maxStageLength:
		return &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: fmt.Sprintf("version longer than %d characters: neither a version id nor a staging label", maxStageLength)}
	}
	return nil
}

// isVersionID reports whether v has the form of a version id, a UUID
// (8-4-4-4-12 hexadecimal digits), rather than a staging label.
func isVersionID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// input is the GetSecretValue request for a secret id and a Ref's
// Version: a version id when it has the form of one, else a staging
// label; no version reads AWSCURRENT.
func input(id, version string) *smsdk.GetSecretValueInput {
	in := &smsdk.GetSecretValueInput{SecretId: aws.String(id)}
	switch {
	case version == "":
	case isVersionID(version):
		in.VersionId = aws.String(version)
	default:
		in.VersionStage = aws.String(version)
	}
	return in
}

// errNoValue is the cause of an answer that holds neither SecretString
// nor SecretBinary.
var errNoValue = errors.New("answer without SecretString or SecretBinary")

// value is the text of an answer: SecretString as it is, SecretBinary as
// its bytes.
func value(str *string, bin []byte) (string, bool) {
	switch {
	case str != nil:
		return *str, true
	case bin != nil:
		return string(bin), true
	}
	return "", false
}

// getOne reads one secret with GetSecretValue and returns its text or
// the SDK's error, unclassified.
func (b *Backend) getOne(ctx context.Context, id, version string) (string, error) {
	if err := b.wait(ctx); err != nil {
		return "", err
	}
	out, err := b.client.GetSecretValue(ctx, input(id, version), callOptions)
	if err != nil {
		return "", err
	}
	v, ok := value(out.SecretString, out.SecretBinary)
	if !ok {
		return "", errNoValue
	}
	return v, nil
}

// Get reads one secret with GetSecretValue: ref.Path is a secret name or
// ARN, ref.Version a version id (a UUID) or a staging label (AWSCURRENT
// when empty). A SecretBinary is returned as its bytes.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := checkRef(ref); err != nil {
		return "", err
	}
	v, err := b.getOne(ctx, ref.Path, ref.Version)
	if err != nil {
		return "", classify(ctx, ref, err)
	}
	return member(ref, v)
}

// member is the value for ref: the document, or its member ref.Key when
// one is asked for (the core asks for whole documents, since this backend
// does not implement backendkit.KeyBackend; a direct caller may not).
func member(ref vaultly.Ref, doc string) (string, error) {
	if ref.Key == "" {
		return doc, nil
	}
	return backendkit.Member(backendName, ref, doc)
}
