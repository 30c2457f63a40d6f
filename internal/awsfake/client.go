package awsfake

import (
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// HTTPClient is the HTTP client of a fake's test client: a dial timeout
// of connectTimeout, a read timeout of readTimeout (no byte received for
// this long), and no proxy.
func HTTPClient(connectTimeout, readTimeout time.Duration) aws.HTTPClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connectTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.Proxy = nil }).
		WithReadTimeout(readTimeout)
}

// Retryer is the retryer of a fake's test client: the standard retryer
// with maxAttempts attempts, backoff capped at maxBackoff and no retry
// quota (so a test can fail as often as it likes).
func Retryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.AddWithMaxBackoffDelay(retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.RateLimiter = ratelimit.None
	}), maxBackoff)
}
