package bench

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// smServer is an smtest server holding Config100's values for stage prod
// (one secret per field, named by its path), answering every request
// after storeLatency.
func smServer(b *testing.B) *smtest.Server {
	b.Helper()
	srv := smtest.NewServer(b, smtest.WithLatency(storeLatency), smtest.WithCallLog(false))
	for path, v := range storeValues() {
		srv.Put(path, v)
	}
	return srv
}

// BenchmarkSecretsManager100 loads Config100 (100 secrets) from smtest
// with storeLatency per request: vaultly over backends/secretsmanager (one
// GetBatch: five BatchGetSecretValue calls of 20 in parallel), and one
// GetSecretValue per field in sequence, what a hand-written loop or AWS's
// caching library (one secret per call) does on a cold start.
// "one-request" is a single GetSecretValue, the latency the others are
// measured against. The goal: vaultly under 60 ms at 20 ms a request.
//
//	cd bench && go test -run '^$' -bench SecretsManager100 -benchtime 20x .
func BenchmarkSecretsManager100(b *testing.B) {
	ctx := context.Background()

	b.Run("one-request", func(b *testing.B) {
		srv := smServer(b)
		client := srv.Client()
		in := &smsdk.GetSecretValueInput{SecretId: aws.String(storePath("S00"))}
		srv.ResetCounts()
		for b.Loop() {
			if _, err := client.GetSecretValue(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
	})

	b.Run("vaultly", func(b *testing.B) {
		srv := smServer(b)
		be, err := secretsmanager.New(secretsmanager.WithClient(srv.Client()))
		if err != nil {
			b.Fatal(err)
		}
		var cfg Config100
		srv.ResetCounts()
		for b.Loop() {
			cfg = Config100{Stage: "prod"}
			if err := vaultly.LoadContext(ctx, &cfg, be); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "vaultly", cfg)
		b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
		b.ReportMetric(float64(srv.Requests(smtest.OpBatchGetSecretValue))/float64(b.N), "batch-calls/load")
		b.ReportMetric(float64(srv.MaxInFlight()), "max-in-flight")
	})

	b.Run("sequential", func(b *testing.B) {
		srv := smServer(b)
		client := srv.Client()
		var cfg Config100
		srv.ResetCounts()
		for b.Loop() {
			cfg = Config100{}
			err := fillByName(&cfg, func(name string) (string, error) {
				out, err := client.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: aws.String(storePath(name))})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.SecretString), nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "sequential", cfg)
		b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
	})
}
