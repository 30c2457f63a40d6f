package ssm

import awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

// BuiltHTTPClient exposes the HTTP client New configured, for tests of the
// production defaults.
func (b *Backend) BuiltHTTPClient() *awshttp.BuildableClient { return b.built }
