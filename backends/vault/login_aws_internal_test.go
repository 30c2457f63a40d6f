package vault

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"
)

// The login data: method, URL and body as Vault's aws auth method reads
// them, the headers signed for the region the URL implies.
func TestAWSLoginData(t *testing.T) {
	t.Parallel()
	creds := AWSCredentials(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN"))
	for _, tc := range []struct {
		name           string
		opts           []LoginOption
		url, scope, id string
	}{
		{"default", nil, "https://sts.amazonaws.com/", "/20260101/us-east-1/sts/aws4_request", ""},
		{"region", []LoginOption{AWSRegion("eu-west-1")}, "https://sts.eu-west-1.amazonaws.com/", "/20260101/eu-west-1/sts/aws4_request", ""},
		{"endpoint", []LoginOption{AWSRegion("us-gov-west-1"), AWSSTSEndpoint("https://sts.us-gov-west-1.amazonaws.com")},
			"https://sts.us-gov-west-1.amazonaws.com/", "/20260101/us-gov-west-1/sts/aws4_request", ""},
		{"server id", []LoginOption{AWSServerID("vault.example.com")}, "https://sts.amazonaws.com/", "/20260101/us-east-1/sts/aws4_request", "vault.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := AWSIAM("app", append([]LoginOption{creds}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			a := m.(*awsLogin)
			a.now = func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) }
			data, err := a.loginData(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			dec := func(k string) string {
				b, err := base64.StdEncoding.DecodeString(data[k].(string))
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				return string(b)
			}
			var h http.Header
			if err := json.Unmarshal([]byte(dec("iam_request_headers")), &h); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{
				"role": data["role"].(string), "method": data["iam_http_request_method"].(string),
				"url": dec("iam_request_url"), "body": dec("iam_request_body"),
				"content-type": h.Get("Content-Type"), "date": h.Get("X-Amz-Date"),
				"token": h.Get("X-Amz-Security-Token"), "server-id": h.Get(AWSServerIDHeader),
			}
			want := map[string]string{
				"role": "app", "method": "POST", "url": tc.url, "body": "Action=GetCallerIdentity&Version=2011-06-15",
				"content-type": "application/x-www-form-urlencoded; charset=utf-8", "date": "20260101T120000Z",
				"token": "TOKEN", "server-id": tc.id,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("login data (-want +got):\n%s", diff)
			}
			auth := h.Get("Authorization")
			if !strings.Contains(auth, "Credential=AKID"+tc.scope) {
				t.Errorf("Authorization %q: want the scope %s", auth, tc.scope)
			}
			if tc.id != "" && !strings.Contains(auth, "x-vault-aws-iam-server-id") {
				t.Errorf("Authorization %q does not sign the server id header", auth)
			}
			if strings.Contains(dec("iam_request_headers"), "SECRET") {
				t.Error("the headers hold the secret key")
			}
		})
	}
}
