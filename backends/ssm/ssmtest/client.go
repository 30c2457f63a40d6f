package ssmtest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly/internal/awsfake"
)

// Settings of the client returned by Server.Client.
const (
	ClientMaxAttempts    = 3                      // the SDK's default
	ClientMaxBackoff     = 10 * time.Millisecond  // instead of up to 20 s
	ClientConnectTimeout = 1 * time.Second        // dial
	ClientReadTimeout    = 2 * time.Second        // no byte received for this long
	AccessKeyID          = "AKIASSMTESTEXAMPLE"   // static test credentials
	SecretAccessKey      = "ssmtest-secret-key-0" // not a real key
)

// Client returns an SSM client for this server: region Region, static
// credentials, BaseEndpoint set to URL, the standard retryer with
// ClientMaxAttempts attempts, backoff capped at ClientMaxBackoff and no
// retry quota (so a test can fail as often as it likes), a dial timeout of
// ClientConnectTimeout and a read timeout of ClientReadTimeout. It reads no
// environment variable and no shared config file. optFns run last and can
// change anything, for example WithReadTimeout.
func (s *Server) Client(optFns ...func(*ssm.Options)) *ssm.Client {
	opts := ssm.Options{
		Region:       s.region,
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		HTTPClient:   awsfake.HTTPClient(ClientConnectTimeout, ClientReadTimeout),
		Retryer:      awsfake.Retryer(ClientMaxAttempts, ClientMaxBackoff),
	}
	return ssm.New(opts, optFns...)
}

// WithReadTimeout is a Client option that sets the read timeout: how long
// the client waits for the next byte of an answer before it gives up on
// the attempt (and retries it).
func WithReadTimeout(d time.Duration) func(*ssm.Options) {
	return func(o *ssm.Options) { o.HTTPClient = awsfake.HTTPClient(ClientConnectTimeout, d) }
}

// WithMaxAttempts is a Client option that sets the retryer's attempts
// (1: no retries).
func WithMaxAttempts(n int) func(*ssm.Options) {
	return func(o *ssm.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, n) }
}
