package smtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// The service's documented answers, which the wire test holds smtest's
// answers to: the examples of the Secrets Manager API reference for
// GetSecretValue and BatchGetSecretValue, completed with the members its
// response syntax lists and the examples leave out (SecretBinary, an
// Errors entry, NextToken), and an error answer of the awsJson1_1
// protocol. Values are the reference's placeholders.
const (
	docGetSecretValue = `{
  "ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestSecret-a1b2c3",
  "CreatedDate": 1523477145.713,
  "Name": "MyTestSecret",
  "SecretString": "{\"user\":\"diegor\",\"password\":\"EXAMPLE-PASSWORD\"}",
  "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  "VersionStages": ["AWSPREVIOUS"]
}`
	docGetSecretBinary = `{
  "ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyBinary-a1b2c3",
  "CreatedDate": 1523477145.713,
  "Name": "MyBinary",
  "SecretBinary": "AAEC/w==",
  "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  "VersionStages": ["AWSCURRENT"]
}`
	docBatchGetSecretValue = `{
  "SecretValues": [
    {
      "ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MySecret1-a1b2c3",
      "CreatedDate": 1700591229.801,
      "Name": "MySecret1",
      "SecretString": "{\"username\":\"diego_ramirez\",\"password\":\"EXAMPLE-PASSWORD\"}",
      "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLEaaaaa",
      "VersionStages": ["AWSCURRENT"]
    }
  ],
  "Errors": [
    {
      "SecretId": "MySecret2",
      "ErrorCode": "ResourceNotFoundException",
      "Message": "Secrets Manager can't find the specified secret."
    }
  ],
  "NextToken": "AAAAAgAAAAAAAAA"
}`
	docError = `{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`
)

// shape maps every member path of a JSON document to its JSON type
// ("SecretValues[].Name": "string"), the form two answers must share.
func shape(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(strings.TrimPrefix(path+"."+k, "."), e)
			}
		case []any:
			out[path] = "array"
			for _, e := range x {
				walk(path+"[]", e)
			}
		case string:
			out[path] = "string"
		case float64:
			out[path] = "number"
		case bool:
			out[path] = "bool"
		case nil:
			out[path] = "null"
		}
	}
	walk("", v)
	return out
}

// post sends body to srv as the SDK would (signed as far as the server
// checks) and returns the status, the error type header and the body.
func post(t *testing.T, srv *smtest.Server, op, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/secretsmanager/aws4_request")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b
}

// smtest answers in the documented shapes: the same members with the same
// JSON types (CreatedDate epoch seconds as a number, SecretBinary base64
// text, Errors entries with SecretId, ErrorCode and Message).
func TestWireAnswerShapes(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	v1 := srv.Put("MyTestSecret", `{"user":"diegor"}`)
	srv.Put("MyTestSecret", `{"user":"diegor2"}`)
	srv.PutBinary("MyBinary", []byte{0, 1, 2, 0xff})
	for i := range 3 {
		srv.Put(fmt.Sprintf("MySecret%d", i+3), "v")
	}
	srv.Put("MySecret1", `{"username":"diego_ramirez"}`)

	tests := []struct {
		name, op, body, doc string
		status              int
	}{
		{"GetSecretValue", smtest.OpGetSecretValue, `{"SecretId":"MyTestSecret","VersionId":"` + v1 + `"}`, docGetSecretValue, 200},
		{"GetSecretValue binary", smtest.OpGetSecretValue, `{"SecretId":"MyBinary"}`, docGetSecretBinary, 200},
		// The documented example shows a NextToken: ask for a page of one.
		{"BatchGetSecretValue", smtest.OpBatchGetSecretValue, `{"Filters":[{"Key":"name","Values":["MySecret"]}],"MaxResults":1}`,
			docBatchGetSecretValue, 200},
		{"error", smtest.OpGetSecretValue, `{"SecretId":"MySecret2"}`, docError, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, errType, body := post(t, srv, tt.op, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			gotShape := shape(t, body)
			if tt.op == smtest.OpBatchGetSecretValue {
				// The page holds a value, not an error: take the Errors
				// entry's shape from a batch that has one.
				_, _, b := post(t, srv, tt.op, `{"SecretIdList":["MySecret2"]}`)
				for k, v := range shape(t, b) {
					if strings.HasPrefix(k, "Errors") {
						gotShape[k] = v
					}
				}
			}
			if diff := cmp.Diff(shape(t, []byte(tt.doc)), gotShape); diff != "" {
				t.Errorf("answer shape (-documented +smtest):\n%s\n%s", diff, body)
			}
			if tt.status != 200 && errType != "ResourceNotFoundException" {
				t.Errorf("X-Amzn-ErrorType %q", errType)
			}
		})
	}
}

// The documented answers decode with the real SDK into what a test of
// smtest's own answers compares: the shapes are the ones the client reads.
func TestWireDocumentedAnswersDecode(t *testing.T) {
	t.Parallel()
	answers := map[string]struct {
		status int
		body   string
	}{}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.Header.Get("X-Amz-Target")]
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(fake.Close)
	answers["secretsmanager.GetSecretValue"] = struct {
		status int
		body   string
	}{200, docGetSecretValue}
	answers["secretsmanager.BatchGetSecretValue"] = struct {
		status int
		body   string
	}{200, docBatchGetSecretValue}
	client := secretsmanager.New(secretsmanager.Options{
		Region: "us-west-2", BaseEndpoint: aws.String(fake.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	out, err := client.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("MyTestSecret")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Name) != "MyTestSecret" || out.CreatedDate.Unix() != 1523477145 ||
		aws.ToString(out.VersionId) != "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" || !strings.Contains(aws.ToString(out.SecretString), "diegor") {
		t.Errorf("decoded %+v", out)
	}
	bout, err := client.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"MySecret1", "MySecret2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bout.SecretValues) != 1 || len(bout.Errors) != 1 || aws.ToString(bout.Errors[0].ErrorCode) != "ResourceNotFoundException" ||
		aws.ToString(bout.NextToken) == "" {
		t.Errorf("decoded %+v", bout)
	}
	answers["secretsmanager.GetSecretValue"] = struct {
		status int
		body   string
	}{400, docError}
	_, err = client.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("MySecret2")})
	var nf *types.ResourceNotFoundException
	if !asErr(err, &nf) || aws.ToString(nf.Message) == "" {
		t.Errorf("documented error decoded as %#v", err)
	}
}

// The requests the real SDK sends, as smtest decodes them: the members,
// with unset ones left out.
func TestWireRequestShapes(t *testing.T) {
	t.Parallel()
	var bodies []map[string]any
	var targets []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.NewDecoder(bytes.NewReader(b)).Decode(&m)
		bodies = append(bodies, m)
		targets = append(targets, r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Content-Type"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Name":"n","SecretString":"v"}`)
	}))
	t.Cleanup(fake.Close)
	client := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(fake.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	ctx := t.Context()
	_, _ = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("a"), VersionStage: aws.String("AWSPREVIOUS")})
	_, _ = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("a"), VersionId: aws.String("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")})
	_, _ = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a", "b"}})
	_, _ = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}}, MaxResults: aws.Int32(20), NextToken: aws.String("t")})
	want := []map[string]any{
		{"SecretId": "a", "VersionStage": "AWSPREVIOUS"},
		{"SecretId": "a", "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"},
		{"SecretIdList": []any{"a", "b"}},
		{"Filters": []any{map[string]any{"Key": "name", "Values": []any{"app/"}}}, "MaxResults": float64(20), "NextToken": "t"},
	}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("request bodies (-want +got):\n%s", diff)
	}
	sort.Strings(targets)
	wantTargets := []string{
		"secretsmanager.BatchGetSecretValue application/x-amz-json-1.1",
		"secretsmanager.BatchGetSecretValue application/x-amz-json-1.1",
		"secretsmanager.GetSecretValue application/x-amz-json-1.1",
		"secretsmanager.GetSecretValue application/x-amz-json-1.1",
	}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}
