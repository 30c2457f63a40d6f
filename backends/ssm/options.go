package ssm

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly/internal/awsclient"
)

// Production defaults applied by New to the client it builds.
const (
	// DefaultConnectTimeout (2 s) bounds establishing a connection (TCP,
	// and the TLS handshake).
	DefaultConnectTimeout = awsclient.ConnectTimeout
	// DefaultReadTimeout (5 s) ends an attempt when no byte of the answer
	// has arrived for this long.
	DefaultReadTimeout = awsclient.ReadTimeout
	// DefaultMaxAttempts (3) is the most attempts the SDK's retryer makes
	// per call, the first included.
	DefaultMaxAttempts = awsclient.MaxAttempts
	// DefaultBatchConcurrency (10) is how many GetParameters calls one GetBatch
	// has in flight.
	DefaultBatchConcurrency = awsclient.BatchConcurrency

	maxNamesPerCall = 10 // the service's limit for GetParameters
)

// Option configures New. An option given an invalid value makes New fail
// with an error that names the option and matches vaultly.ErrConfig.
type Option func(*options) error

type options struct {
	awsclient.Settings // WithRegion, WithConfig, WithBatchConcurrency, WithRateLimit
	client             *ssmsdk.Client
	decrypt            bool
}

func defaultOptions() options {
	return options{Settings: awsclient.NewSettings(backendName), decrypt: true}
}

// WithRegion sets the AWS region, overriding the one from the environment
// or from WithConfig. It cannot be combined with WithClient. An empty
// region is an error.
func WithRegion(region string) Option {
	return func(o *options) error { return o.SetRegion(region) }
}

// WithClient makes the backend use client as it is: its region,
// credentials, endpoint, timeouts and retryer are the caller's, and New
// loads no AWS configuration. It cannot be combined with WithRegion or
// WithConfig. A nil client is an error.
func WithClient(client *ssmsdk.Client) Option {
	return func(o *options) error {
		if client == nil {
			return o.OptionError("WithClient: nil client")
		}
		o.client = client
		return nil
	}
}

// WithConfig uses cfg instead of loading the default configuration. The
// production timeouts are applied when cfg.HTTPClient is nil or an
// *awshttp.BuildableClient, and the attempts are capped at
// DefaultMaxAttempts whatever cfg's retryer allows.
func WithConfig(cfg aws.Config) Option {
	return func(o *options) error {
		o.Config = &cfg
		return nil
	}
}

// WithDecryption sets whether SecureString parameters are decrypted
// (default true). Without decryption a SecureString reads as its
// ciphertext.
func WithDecryption(decrypt bool) Option {
	return func(o *options) error {
		o.decrypt = decrypt
		return nil
	}
}

// WithBatchConcurrency bounds how many GetParameters calls one GetBatch
// has in flight (default DefaultBatchConcurrency). It must be at least 1.
func WithBatchConcurrency(n int) Option {
	return func(o *options) error { return o.SetBatchConcurrency(n) }
}

// WithRateLimit limits the backend to rps API calls a second on average,
// up to burst at once: every GetParameter, every GetParameters call of a
// batch and every GetParametersByPath page waits for its turn first. The
// limit belongs to the Backend, so every Loader (and every Secret) using
// it shares it; several processes each have their own. The SDK's retries
// of a call do not wait again (its backoff spaces them). A call whose
// context ends while it waits fails with the context's error, at once
// when the context's deadline comes before its turn. Without it there is
// no client-side limit. rps must be positive and finite and burst at
// least 1. Parameter Store's default quota is 40 calls a second for the
// whole account and region, shared by every client: docs/ssm.md explains
// how to divide it.
func WithRateLimit(rps float64, burst int) Option {
	return func(o *options) error { return o.SetRateLimit(rps, burst) }
}
