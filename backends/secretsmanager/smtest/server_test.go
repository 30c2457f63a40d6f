package smtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// got is what a test compares of one answer.
type got struct {
	Name, Value, VersionID string
	Binary                 []byte
	Stages                 []string
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

func TestGetSecretValue(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	v1 := srv.Put("app/db", "pw-1")
	v2 := srv.Put("app/db", "pw-2")
	v3 := srv.PutStaged("app/db", "pw-3", smtest.StagePending)
	v4 := srv.PutStaged("app/db", "pw-4", "blue")
	bin := srv.PutBinary("app/cert", []byte{0, 1, 2, 0xff})
	srv.Put("app/gone", "x")
	srv.ScheduleDeletion("app/gone")
	srv.Put("app/denied", "x")
	srv.FailSecret("app/denied", "AccessDeniedException")
	srv.Put("app/kms", "x")
	srv.FailSecret("app/kms", "DecryptionFailure")
	arn := srv.ARN("app/db")
	client := srv.Client()

	tests := []struct {
		name          string
		id, ver, stag string
		want          got
		code          string
	}{
		{name: "current", id: "app/db", want: got{Name: "app/db", Value: "pw-2", VersionID: v2, Stages: []string{"AWSCURRENT"}}},
		{name: "full ARN", id: arn, want: got{Name: "app/db", Value: "pw-2", VersionID: v2, Stages: []string{"AWSCURRENT"}}},
		{name: "partial ARN", id: strings.TrimSuffix(arn, arn[len(arn)-7:]), want: got{Name: "app/db", Value: "pw-2", VersionID: v2, Stages: []string{"AWSCURRENT"}}},
		{name: "AWSCURRENT", id: "app/db", stag: "AWSCURRENT", want: got{Name: "app/db", Value: "pw-2", VersionID: v2, Stages: []string{"AWSCURRENT"}}},
		{name: "AWSPREVIOUS", id: "app/db", stag: "AWSPREVIOUS", want: got{Name: "app/db", Value: "pw-1", VersionID: v1, Stages: []string{"AWSPREVIOUS"}}},
		{name: "AWSPENDING", id: "app/db", stag: "AWSPENDING", want: got{Name: "app/db", Value: "pw-3", VersionID: v3, Stages: []string{"AWSPENDING"}}},
		{name: "custom label", id: "app/db", stag: "blue", want: got{Name: "app/db", Value: "pw-4", VersionID: v4, Stages: []string{"blue"}}},
		{name: "version id", id: "app/db", ver: v1, want: got{Name: "app/db", Value: "pw-1", VersionID: v1, Stages: []string{"AWSPREVIOUS"}}},
		{name: "version id and its label", id: "app/db", ver: v3, stag: "AWSPENDING", want: got{Name: "app/db", Value: "pw-3", VersionID: v3, Stages: []string{"AWSPENDING"}}},
		{name: "binary", id: "app/cert", want: got{Name: "app/cert", Binary: []byte{0, 1, 2, 0xff}, VersionID: bin, Stages: []string{"AWSCURRENT"}}},
		{name: "missing", id: "app/nope", code: "ResourceNotFoundException"},
		{name: "missing label", id: "app/db", stag: "green", code: "ResourceNotFoundException"},
		{name: "missing version id", id: "app/db", ver: "00000000-0000-4000-8000-000000000999", code: "ResourceNotFoundException"},
		{name: "version id and another label", id: "app/db", ver: v1, stag: "blue", code: "InvalidParameterException"},
		{name: "short version id", id: "app/db", ver: "v1", code: "ValidationException"},
		{name: "scheduled for deletion", id: "app/gone", code: "InvalidRequestException"},
		{name: "denied", id: "app/denied", code: "AccessDeniedException"},
		{name: "KMS", id: "app/kms", code: "DecryptionFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(tt.id)}
			if tt.ver != "" {
				in.VersionId = aws.String(tt.ver)
			}
			if tt.stag != "" {
				in.VersionStage = aws.String(tt.stag)
			}
			out, err := client.GetSecretValue(t.Context(), in)
			if code := errCode(err); code != tt.code {
				t.Fatalf("error code %q, want %q (%v)", code, tt.code, err)
			}
			if err != nil {
				return
			}
			g := got{Name: aws.ToString(out.Name), Value: aws.ToString(out.SecretString), VersionID: aws.ToString(out.VersionId),
				Binary: out.SecretBinary, Stages: out.VersionStages}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if aws.ToString(out.ARN) != arn && tt.want.Name == "app/db" {
				t.Errorf("ARN %q, want %q", aws.ToString(out.ARN), arn)
			}
			if out.CreatedDate == nil || out.CreatedDate.IsZero() {
				t.Errorf("no CreatedDate")
			}
		})
	}
}

// Moving AWSCURRENT makes the version that held it AWSPREVIOUS, as
// PutSecretValue and UpdateSecretVersionStage do.
func TestStages(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	v1 := srv.Put("s", "one")
	v2 := srv.Put("s", "two")
	v3 := srv.Put("s", "three")
	stages := func() map[string]string {
		return map[string]string{
			"AWSCURRENT":  srv.VersionID("s", smtest.StageCurrent),
			"AWSPREVIOUS": srv.VersionID("s", smtest.StagePrevious),
		}
	}
	if diff := cmp.Diff(map[string]string{"AWSCURRENT": v3, "AWSPREVIOUS": v2}, stages()); diff != "" {
		t.Errorf("after three Puts (-want +got):\n%s", diff)
	}
	if err := srv.SetStage("s", smtest.StageCurrent, v1); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"AWSCURRENT": v1, "AWSPREVIOUS": v3}, stages()); diff != "" {
		t.Errorf("after moving AWSCURRENT back (-want +got):\n%s", diff)
	}
	if err := srv.RemoveStage("s", smtest.StageCurrent); err == nil {
		t.Error("RemoveStage(AWSCURRENT) succeeded")
	}
	if err := srv.SetStage("s", "blue", "00000000-0000-4000-8000-000000000999"); err == nil {
		t.Error("SetStage to a missing version succeeded")
	}
	if err := srv.SetStage("nope", "blue", v1); err == nil {
		t.Error("SetStage on a missing secret succeeded")
	}
}

func TestBatchGetSecretValueByID(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	srv.Put("b", "B1")
	srv.Put("b", "B2")
	srv.PutBinary("bin", []byte("raw"))
	srv.Put("gone", "x")
	srv.ScheduleDeletion("gone")
	srv.Put("kms", "x")
	srv.FailSecret("kms", "DecryptionFailure")
	client := srv.Client()

	out, err := client.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{
		SecretIdList: []string{"a", srv.ARN("b"), "bin", "missing", "gone", "kms", "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var values []got
	for _, v := range out.SecretValues {
		values = append(values, got{Name: aws.ToString(v.Name), Value: aws.ToString(v.SecretString), Binary: v.SecretBinary,
			VersionID: "-", Stages: v.VersionStages})
	}
	want := []got{
		{Name: "a", Value: "A", VersionID: "-", Stages: []string{"AWSCURRENT"}},
		{Name: "b", Value: "B2", VersionID: "-", Stages: []string{"AWSCURRENT"}},
		{Name: "bin", Binary: []byte("raw"), VersionID: "-", Stages: []string{"AWSCURRENT"}},
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("SecretValues (-want +got):\n%s", diff)
	}
	errs := map[string]string{}
	for _, e := range out.Errors {
		errs[aws.ToString(e.SecretId)] = aws.ToString(e.ErrorCode)
		if aws.ToString(e.Message) == "" {
			t.Errorf("error for %s without a message", aws.ToString(e.SecretId))
		}
	}
	wantErrs := map[string]string{"missing": "ResourceNotFoundException", "gone": "InvalidRequestException", "kms": "DecryptionFailure"}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("Errors (-want +got):\n%s", diff)
	}
}

// The limits the SDK leaves to the service.
func TestBatchGetSecretValueLimits(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	client := srv.Client()
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = fmt.Sprintf("s%02d", i)
	}
	name := []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"s"}}}
	tests := []struct {
		name string
		in   secretsmanager.BatchGetSecretValueInput
		code string
	}{
		{"20 ids", secretsmanager.BatchGetSecretValueInput{SecretIdList: ids[:20]}, ""},
		{"21 ids", secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}, "ValidationException"},
		{"empty id list", secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{}}, "ValidationException"},
		{"neither", secretsmanager.BatchGetSecretValueInput{}, "InvalidParameterException"},
		{"both", secretsmanager.BatchGetSecretValueInput{SecretIdList: ids[:1], Filters: name}, "InvalidParameterException"},
		{"MaxResults without filters", secretsmanager.BatchGetSecretValueInput{SecretIdList: ids[:1], MaxResults: aws.Int32(5)}, "InvalidParameterException"},
		{"MaxResults 21", secretsmanager.BatchGetSecretValueInput{Filters: name, MaxResults: aws.Int32(21)}, "ValidationException"},
		{"MaxResults 20", secretsmanager.BatchGetSecretValueInput{Filters: name, MaxResults: aws.Int32(20)}, ""},
		{"filter value with a bad character", secretsmanager.BatchGetSecretValueInput{
			Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a*"}}}}, "ValidationException"},
		{"filter key not implemented", secretsmanager.BatchGetSecretValueInput{
			Filters: []types.Filter{{Key: types.FilterNameStringTypeTagKey, Values: []string{"a"}}}}, "InvalidParameterException"},
		{"bad NextToken", secretsmanager.BatchGetSecretValueInput{Filters: name, NextToken: aws.String("nope")}, "InvalidNextTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.BatchGetSecretValue(t.Context(), &tt.in)
			if code := errCode(err); code != tt.code {
				t.Errorf("error code %q, want %q (%v)", code, tt.code, err)
			}
		})
	}
}

// A filtered listing pages by MaxResults and the SDK's paginator follows
// every page; the name filter is a case-sensitive prefix match, "!"
// negates it, and secrets scheduled for deletion are left out.
func TestBatchGetSecretValueFilters(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	var want []string
	for i := range 45 {
		n := fmt.Sprintf("app/prod/k%02d", i)
		srv.Put(n, "v")
		want = append(want, n)
	}
	srv.Put("app/prod/nested/deep", "v")
	want = append(want, "app/prod/nested/deep")
	srv.Put("app/prodx", "v")    // shares the text, not the folder: the caller filters it out
	srv.Put("App/prod/k00", "v") // another case
	srv.Put("app/prod/gone", "v")
	srv.ScheduleDeletion("app/prod/gone")
	srv.Put("other/app/prod/k00", "v")
	client := srv.Client()

	list := func(values ...string) (names []string, pages int) {
		p := secretsmanager.NewBatchGetSecretValuePaginator(client, &secretsmanager.BatchGetSecretValueInput{
			Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: values}}, MaxResults: aws.Int32(10),
		})
		for p.HasMorePages() {
			out, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, v := range out.SecretValues {
				names = append(names, aws.ToString(v.Name))
			}
		}
		return names, pages
	}
	names, pages := list("app/prod/")
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if pages != 5 {
		t.Errorf("%d pages, want 5 (46 secrets, 10 a page)", pages)
	}
	names, _ = list("app/prod")
	if len(names) != 47 {
		t.Errorf("prefix app/prod: %d names, want 47 (app/prodx included)", len(names))
	}
	names, _ = list("!app/")
	if diff := cmp.Diff([]string{"App/prod/k00", "other/app/prod/k00"}, names); diff != "" {
		t.Errorf("negated (-want +got):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    smtest.Fault
		code     string
		requests int
	}{
		{"internal error retried", smtest.InternalError(), "InternalServiceError", 3},
		{"throttled once", smtest.Throttling().Times(1), "", 2},
		{"throttled always", smtest.Throttling(), "ThrottlingException", 3},
		{"access denied", smtest.AccessDenied(), "AccessDeniedException", 1},
		{"decryption failure", smtest.DecryptionFailure(), "DecryptionFailure", 1},
		{"any code", smtest.ErrorCode(400, "ExpiredTokenException", "expired"), "ExpiredTokenException", 1},
		{"dropped connection once", smtest.DropConnection().Times(1), "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtest.NewServer(t)
			srv.Put("a", "A")
			srv.Inject(tt.fault, "a")
			out, err := srv.Client().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
			if code := errCode(err); code != tt.code {
				t.Errorf("error code %q, want %q", code, tt.code)
			}
			if err == nil && aws.ToString(out.SecretString) != "A" {
				t.Errorf("value %q", aws.ToString(out.SecretString))
			}
			if n := srv.Requests(smtest.OpGetSecretValue); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}

	t.Run("by name, in a batch, by ARN", func(t *testing.T) {
		t.Parallel()
		srv := smtest.NewServer(t)
		srv.Put("a", "A")
		srv.Put("b", "B")
		srv.Inject(smtest.AccessDenied(), "b")
		client := srv.Client()
		if _, err := client.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a"}}); err != nil {
			t.Errorf("batch without b: %v", err)
		}
		_, err := client.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a", srv.ARN("b")}})
		if code := errCode(err); code != "AccessDeniedException" {
			t.Errorf("batch naming b by ARN: %q", code)
		}
		listing := func(prefix string) error {
			_, err := client.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{
				Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{prefix}}}})
			return err
		}
		if code := errCode(listing("")); code != "AccessDeniedException" {
			t.Errorf("a listing covering b: %q", code)
		}
		if err := listing("a"); err != nil {
			t.Errorf("a listing not covering b: %v", err)
		}
		srv.ClearFaults()
		if _, err := client.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("b")}); err != nil {
			t.Errorf("after ClearFaults: %v", err)
		}
	})
}

func TestLatencyEndsWhenClientGivesUp(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t, smtest.WithLatency(time.Hour))
	srv.Put("a", "A")
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := srv.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
		errc <- err
	}()
	if err := srv.WaitRequests(t.Context(), smtest.OpGetSecretValue, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	srv.Close() // returns: the held request has ended
}

func TestWithLatency(t *testing.T) {
	t.Parallel()
	const d = 30 * time.Millisecond
	srv := smtest.NewServer(t, smtest.WithLatency(d))
	srv.Put("a", "A")
	start := time.Now()
	if _, err := srv.Client().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if e := time.Since(start); e < d {
		t.Errorf("answered after %v, want at least %v", e, d)
	}
}

func TestCountsAndCalls(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	client := srv.Client()
	ctx := t.Context()
	_, _ = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
	_, _ = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a", "b"}})
	_, _ = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a"}}}})
	want := []smtest.Call{
		{Op: smtest.OpGetSecretValue, IDs: []string{"a"}},
		{Op: smtest.OpBatchGetSecretValue, IDs: []string{"a", "b"}},
		{Op: smtest.OpBatchGetSecretValue, Filters: []string{"a"}},
	}
	if diff := cmp.Diff(want, srv.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if srv.Requests(smtest.OpBatchGetSecretValue) != 2 || srv.TotalRequests() != 3 || srv.MaxInFlight() != 1 {
		t.Errorf("counts: batch %d, total %d, in flight %d", srv.Requests(smtest.OpBatchGetSecretValue), srv.TotalRequests(), srv.MaxInFlight())
	}
	srv.ResetCounts()
	if srv.TotalRequests() != 0 || len(srv.Calls()) != 0 {
		t.Error("ResetCounts left counts")
	}
	// Not POST / with a secretsmanager target.
	resp, err := http.Get(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || srv.Requests(smtest.OpUnknown) != 1 {
		t.Errorf("GET /: status %d, %d unknown", resp.StatusCode, srv.Requests(smtest.OpUnknown))
	}
}

func TestUnsignedRequestRefused(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t)
	srv.Put("a", "A")
	client := srv.Client(func(o *secretsmanager.Options) { o.Credentials = aws.AnonymousCredentials{} })
	_, err := client.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
	if code := errCode(err); code != "MissingAuthenticationTokenException" {
		t.Errorf("error code %q, want MissingAuthenticationTokenException", code)
	}
}

// The quota refuses what is over it, in the server's clock.
func TestQuota(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	var hooked atomic.Int64
	srv := smtest.NewServer(t, smtest.WithClock(clock), smtest.WithQuota(1, 2),
		smtest.WithRequestHook(func(r smtest.Request) { hooked.Add(1) }))
	srv.Put("a", "A")
	client := srv.Client(smtest.WithMaxAttempts(1))
	get := func() error {
		_, err := client.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")})
		return err
	}
	for i, want := range []string{"", "", "ThrottlingException"} {
		if code := errCode(get()); code != want {
			t.Errorf("request %d: %q, want %q", i, code, want)
		}
	}
	now.Add(int64(time.Second)) // one token back
	if err := get(); err != nil {
		t.Errorf("after a second: %v", err)
	}
	if n := srv.Throttled(""); n != 1 {
		t.Errorf("%d throttled, want 1", n)
	}
	if n := hooked.Load(); n != 4 {
		t.Errorf("hook saw %d requests, want 4", n)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	for _, opt := range []smtest.Option{smtest.WithClock(nil), smtest.WithLatency(-1), smtest.WithQuota(0, 1),
		smtest.WithQuota(1, 0), smtest.WithRequestHook(nil)} {
		if s, err := smtest.New(opt); err == nil {
			s.Close()
			t.Errorf("New accepted a bad option")
		}
	}
	s, err := smtest.New(nil, smtest.WithCallLog(false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Put("a", "A")
	if _, err := s.Client().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if len(s.Calls()) != 0 || s.TotalRequests() != 1 {
		t.Errorf("WithCallLog(false): %d calls logged, %d counted", len(s.Calls()), s.TotalRequests())
	}
}

// Put panics on a name the service refuses, for a server made by New.
func TestPutInvalidNamePanics(t *testing.T) {
	t.Parallel()
	s, err := smtest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"", "a*b", "päss", strings.Repeat("x", 513)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Put(%q) did not panic", name)
				}
			}()
			s.Put(name, "v")
		}()
	}
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// WithPageSizes answers short and empty pages, each with a new NextToken
// while more remain; the SDK's paginator still gets every secret.
func TestPageSizes(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t, smtest.WithPageSizes(0, 3, 0, 1))
	for i := range 10 {
		srv.Put(fmt.Sprintf("p/%02d", i), "v")
	}
	p := secretsmanager.NewBatchGetSecretValuePaginator(srv.Client(), &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"p/"}}}})
	var names, tokens []string
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.SecretValues {
			names = append(names, aws.ToString(v.Name))
		}
		if tok := aws.ToString(out.NextToken); tok != "" {
			tokens = append(tokens, tok)
		}
	}
	if len(names) != 10 {
		t.Errorf("%d names, want 10: %v", len(names), names)
	}
	// Pages of 0, 3, 0, 1, 0, 3, 0, 1, 0, 3: ten pages, nine tokens, all different.
	seen := map[string]bool{}
	for _, tok := range tokens {
		seen[tok] = true
	}
	if len(tokens) != 9 || len(seen) != 9 {
		t.Errorf("%d tokens, %d different; want 9 and 9", len(tokens), len(seen))
	}
	if _, err := smtest.New(smtest.WithPageSizes(0, 0)); err == nil {
		t.Error("WithPageSizes(0, 0) accepted")
	}
	if _, err := smtest.New(smtest.WithPageSizes(21)); err == nil {
		t.Error("WithPageSizes(21) accepted")
	}
}
