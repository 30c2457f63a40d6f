package secretsmanager

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
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
	if err := awsclient.Apply(&o, opts); err != nil {
		return nil, err
	}
	b := &Backend{concurrency: o.Concurrency, limiter: o.Limiter}
	if o.client != nil {
		if err := o.CheckClient("secretsmanager", o.client.Options().Region); err != nil {
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
	b.client = smsdk.NewFromConfig(cfg, capAttempts)
	return b, nil
}

// capAttempts limits the retryer to DefaultMaxAttempts attempts; a
// configuration that asks for fewer keeps its lower number.
func capAttempts(so *smsdk.Options) {
	so.RetryMaxAttempts = awsclient.CapAttempts(so.Retryer, so.RetryMaxAttempts)
}

// Name returns "secretsmanager", for wrappers that name their inner
// backend.
func (b *Backend) Name() string { return backendName }

// Client returns the SDK client the backend uses.
func (b *Backend) Client() *smsdk.Client { return b.client }

// callOptions is the per-call option every request passes: credential
// failures become ErrAuth and are not retried
// (awsclient.MarkCredentialErrors).
func callOptions(o *smsdk.Options) {
	o.APIOptions = append(o.APIOptions, awsclient.MarkCredentialErrors)
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
// the SDK's error, unclassified. Like every BatchGetSecretValue call of a
// batch and every page of a prefix, it waits for its turn under
// WithRateLimit first; the SDK's retries of a call do not wait again
// (its backoff spaces them).
func (b *Backend) getOne(ctx context.Context, id, version string) (string, error) {
	if err := awsclient.Wait(ctx, b.limiter); err != nil {
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
