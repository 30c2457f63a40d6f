package secretsmanager

import awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

// BuiltHTTPClient exposes the HTTP client New configured, for tests of the
// production defaults.
func (b *Backend) BuiltHTTPClient() *awshttp.BuildableClient { return b.built }

// IsVersionID exposes isVersionID to the tests.
var IsVersionID = isVersionID
