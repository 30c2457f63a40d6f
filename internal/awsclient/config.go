package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/ratelimit"
)

// Production defaults applied to the client a backend builds.
const (
	// ConnectTimeout bounds establishing a connection (TCP, and the TLS
	// handshake).
	ConnectTimeout = 2 * time.Second
	// ReadTimeout ends an attempt when no byte of the answer has arrived
	// for this long.
	ReadTimeout = 5 * time.Second
	// MaxAttempts is the most attempts the SDK's retryer makes per call,
	// the first included.
	MaxAttempts = 3
	// BatchConcurrency is how many requests one GetBatch has in flight.
	BatchConcurrency = 10
)

// Settings are the options both AWS backends take besides their own: set
// by their WithRegion, WithConfig, WithBatchConcurrency and WithRateLimit.
type Settings struct {
	Backend     string        // the backend's name, in errors: "ssm"
	Region      string        // WithRegion; "" for the configuration's
	Config      *aws.Config   // WithConfig; nil to load the default one
	Concurrency int           // WithBatchConcurrency
	Limiter     *rate.Limiter // WithRateLimit; nil: none
}

// NewSettings returns the defaults for backend.
func NewSettings(backend string) Settings {
	return Settings{Backend: backend, Concurrency: BatchConcurrency}
}

// SetRegion is WithRegion: an empty region is an error.
func (s *Settings) SetRegion(region string) error {
	if region == "" {
		return s.OptionError("WithRegion: empty region")
	}
	s.Region = region
	return nil
}

// SetBatchConcurrency is WithBatchConcurrency: n must be at least 1.
func (s *Settings) SetBatchConcurrency(n int) error {
	if n < 1 {
		return s.OptionError(fmt.Sprintf("WithBatchConcurrency(%d): want at least 1", n))
	}
	s.Concurrency = n
	return nil
}

// SetRateLimit is WithRateLimit: rps must be positive and finite and
// burst at least 1.
func (s *Settings) SetRateLimit(rps float64, burst int) error {
	l, err := ratelimit.New(rps, burst)
	if err != nil {
		return s.OptionError(fmt.Sprintf("WithRateLimit(%v, %d): %v", rps, burst, err))
	}
	s.Limiter = l
	return nil
}

// OptionError is the error of an option given an invalid value; msg
// names the option.
func (s *Settings) OptionError(msg string) error { return s.configError(msg, nil) }

func (s *Settings) configError(msg string, cause error) error {
	return &vaultly.BackendError{Backend: s.Backend, Kind: vaultly.ErrConfig, Msg: msg, Err: cause}
}

// CheckClient checks the settings for a client given with WithClient,
// whose region is region: WithRegion and WithConfig cannot be combined
// with it, and the client must have a region. pkg is the backend's SDK
// package name, for the hint ("ssm" says to set ssm.Options.Region).
func (s *Settings) CheckClient(pkg, region string) error {
	if s.Region != "" || s.Config != nil {
		return s.configError("WithClient cannot be combined with WithRegion or WithConfig", nil)
	}
	if region == "" {
		return s.configError("WithClient: the client has no region: set "+pkg+".Options.Region "+
			"(config.LoadDefaultConfig reads it from AWS_REGION, AWS_DEFAULT_REGION or the profile; WithRegion cannot be combined with WithClient)", nil)
	}
	return nil
}

// Resolve returns the AWS configuration to build the backend's client
// from: WithConfig's, or else the default one (config.LoadDefaultConfig),
// with WithRegion's region over either. When its HTTP client is one the
// SDK builds (or none), Resolve applies ConnectTimeout and ReadTimeout
// and returns that client as built; a custom client is the caller's and
// is left alone (built is nil). No region at all is an error naming what
// to set.
func (s *Settings) Resolve(ctx context.Context) (cfg aws.Config, built *awshttp.BuildableClient, err error) {
	if s.Config != nil {
		cfg = s.Config.Copy()
	} else {
		var loadOpts []func(*config.LoadOptions) error
		if s.Region != "" {
			loadOpts = append(loadOpts, config.WithRegion(s.Region))
		}
		cfg, err = config.LoadDefaultConfig(ctx, loadOpts...)
		if err != nil {
			return aws.Config{}, nil, s.configError("loading the AWS configuration", err)
		}
	}
	if s.Region != "" {
		cfg.Region = s.Region
	}
	if cfg.Region == "" {
		return aws.Config{}, nil, s.configError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), "+
			"a region in the profile of the shared config file (~/.aws/config, AWS_PROFILE), or use WithRegion", nil)
	}
	if hc, ok := productionHTTPClient(cfg.HTTPClient); ok {
		built = hc
		// Freeze keeps the SDK's defaults mode from overriding the timeouts.
		cfg.HTTPClient = hc.Freeze()
	}
	return cfg, built, nil
}

// CapAttempts is the number of attempts a client is allowed: MaxAttempts,
// or fewer when its configuration asks for fewer (AWS_MAX_ATTEMPTS,
// max_attempts, a retryer in WithConfig). retryer and retryMax are the
// SDK client options' Retryer and RetryMaxAttempts.
func CapAttempts(retryer aws.Retryer, retryMax int) int {
	n := MaxAttempts
	if retryer != nil {
		if m := retryer.MaxAttempts(); m > 0 && m < n {
			n = m
		}
	}
	if retryMax > 0 && retryMax < n {
		n = retryMax
	}
	return n
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
	bc = bc.WithDialerOptions(func(d *net.Dialer) { d.Timeout = ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.TLSHandshakeTimeout = ConnectTimeout }).
		WithReadTimeout(ReadTimeout)
	return bc, true
}

// Apply applies opts to o in order, skipping nil options, and returns
// every option's error joined.
func Apply[O any, F ~func(*O) error](o *O, opts []F) error {
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
