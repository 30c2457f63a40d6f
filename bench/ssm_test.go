package bench

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/awsparamstore"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// ssmServer is an ssmtest server holding Config100's values for stage
// prod, answering every request after storeLatency.
func ssmServer(b *testing.B) *ssmtest.Server {
	b.Helper()
	srv := ssmtest.NewServer(b)
	for path, v := range storeValues() {
		srv.PutSecure(path, v)
	}
	srv.Inject(ssmtest.Latency(storeLatency))
	return srv
}

// BenchmarkRow3SSM loads Config100 (100 parameters) from ssmtest with
// storeLatency per request: vaultly over backends/ssm (one GetBatch: ten
// GetParameters calls in parallel); gocloud runtimevar with the
// awsparamstore driver, one Variable per field opened together and read
// with Latest, as a service would write it; and one GetParameter per field
// in sequence. "one-request" is a single GetParameter, the latency the
// others are measured against. Every case uses the same aws-sdk-go-v2
// client settings (ssmtest's Client: loopback endpoint, static keys).
func BenchmarkRow3SSM(b *testing.B) {
	ctx := context.Background()
	names := fieldNames()

	b.Run("one-request", func(b *testing.B) {
		srv := ssmServer(b)
		client := srv.Client()
		in := &ssmsdk.GetParameterInput{Name: aws.String(storePath("S00")), WithDecryption: aws.Bool(true)}
		srv.ResetCounts()
		for b.Loop() {
			if _, err := client.GetParameter(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
	})

	b.Run("vaultly", func(b *testing.B) {
		srv := ssmServer(b)
		be, err := ssm.New(ssm.WithClient(srv.Client()))
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
	})

	b.Run("runtimevar", func(b *testing.B) {
		srv := ssmServer(b)
		client := srv.Client()
		var cfg Config100
		srv.ResetCounts()
		for b.Loop() {
			vars := make(map[string]*runtimevar.Variable, len(names))
			for _, n := range names {
				short := shortName(n)
				v, err := awsparamstore.OpenVariable(client, storePath(short), runtimevar.StringDecoder, nil)
				if err != nil {
					b.Fatal(err)
				}
				vars[short] = v
			}
			cfg = Config100{Stage: "prod"}
			err := fillByName(&cfg, func(name string) (string, error) {
				s, err := vars[name].Latest(ctx)
				if err != nil {
					return "", err
				}
				return s.Value.(string), nil
			})
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range vars {
				v.Close()
			}
		}
		b.StopTimer()
		check100(b, "runtimevar", cfg)
		b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
	})

	b.Run("sequential", func(b *testing.B) {
		srv := ssmServer(b)
		client := srv.Client()
		var cfg Config100
		srv.ResetCounts()
		for b.Loop() {
			cfg = Config100{Stage: "prod"}
			err := fillByName(&cfg, func(name string) (string, error) {
				out, err := client.GetParameter(ctx, &ssmsdk.GetParameterInput{
					Name: aws.String(storePath(name)), WithDecryption: aws.Bool(true),
				})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.Parameter.Value), nil
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
