package secretsmanager_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/vaultly/vaultly/backends/secretsmanager"
)

// backendOn returns a backend whose client talks to h on a loopback
// server, with one attempt per call.
func backendOn(t *testing.T, h http.Handler) *secretsmanager.Backend {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := smsdk.New(smsdk.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
	b, err := secretsmanager.New(secretsmanager.WithClient(client))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
