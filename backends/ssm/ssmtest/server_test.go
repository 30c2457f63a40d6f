package ssmtest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

type got struct {
	Name, Type, Value, Selector string
	Version                     int64
}

func param(p *types.Parameter) got {
	return got{Name: aws.ToString(p.Name), Type: string(p.Type), Value: aws.ToString(p.Value),
		Selector: aws.ToString(p.Selector), Version: p.Version}
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

func TestGetParameter(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/app/db/user", "admin")
	srv.Put("/app/db/password", "v1")
	srv.Put("/app/db/password", "v2")
	srv.Put("/app/db/password", "v3")
	if err := srv.LabelVersion("/app/db/password", 2, "prod"); err != nil {
		t.Fatal(err)
	}
	srv.PutSecure("/app/key", "s3cret")
	srv.PutStringList("/app/hosts", "a", "b", "c")
	client := srv.Client()

	tests := []struct {
		name    string
		decrypt bool
		want    got
		code    string
	}{
		{name: "/app/db/user", want: got{Name: "/app/db/user", Type: "String", Value: "admin", Version: 1}},
		{name: "/app/db/password", want: got{Name: "/app/db/password", Type: "String", Value: "v3", Version: 3}},
		{name: "/app/db/password:1", want: got{Name: "/app/db/password", Type: "String", Value: "v1", Version: 1, Selector: ":1"}},
		{name: "/app/db/password:prod", want: got{Name: "/app/db/password", Type: "String", Value: "v2", Version: 2, Selector: ":prod"}},
		{name: "/app/key", decrypt: true, want: got{Name: "/app/key", Type: "SecureString", Value: "s3cret", Version: 1}},
		{name: "/app/hosts", want: got{Name: "/app/hosts", Type: "StringList", Value: "a,b,c", Version: 1}},
		{name: "/app/missing", code: "ParameterNotFound"},
		{name: "/app/db/password:9", code: "ParameterVersionNotFound"},
		{name: "/app/db/password:staging", code: "ParameterVersionNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(tt.name), WithDecryption: aws.Bool(tt.decrypt)})
			if code := errCode(err); code != tt.code {
				t.Fatalf("error code %q, want %q", code, tt.code)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, param(out.Parameter)); diff != "" {
				t.Errorf("parameter (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("typed errors", func(t *testing.T) {
		_, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/nope")})
		var nf *types.ParameterNotFound
		if !errors.As(err, &nf) {
			t.Errorf("got %T %v, want *types.ParameterNotFound", err, err)
		}
		_, err = client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/app/db/user:7")})
		var vnf *types.ParameterVersionNotFound
		if !errors.As(err, &vnf) {
			t.Errorf("got %T %v, want *types.ParameterVersionNotFound", err, err)
		}
	})

	t.Run("SecureString without decryption hides the value", func(t *testing.T) {
		out, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/app/key"), WithDecryption: aws.Bool(false)})
		if err != nil {
			t.Fatal(err)
		}
		if v := aws.ToString(out.Parameter.Value); v == "s3cret" || v == "" {
			t.Errorf("value without decryption = %q, want an opaque placeholder", v)
		}
	})
}

func TestLabelVersionMovesLabel(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/p", "one")
	srv.Put("/p", "two")
	ctx := t.Context()
	client := srv.Client()
	get := func() string {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p:live")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Parameter.Value)
	}
	if err := srv.LabelVersion("/p", 1, "live"); err != nil {
		t.Fatal(err)
	}
	if v := get(); v != "one" {
		t.Errorf("live = %q, want one", v)
	}
	if err := srv.LabelVersion("/p", 2, "live"); err != nil {
		t.Fatal(err)
	}
	if v := get(); v != "two" {
		t.Errorf("after moving, live = %q, want two", v)
	}
	for _, bad := range []string{"", "1abc", "aws-x", "SSMx", "a/b", "a:b"} {
		if err := srv.LabelVersion("/p", 1, bad); err == nil {
			t.Errorf("LabelVersion(%q) succeeded, want error", bad)
		}
	}
	if err := srv.LabelVersion("/p", 3, "x"); err == nil {
		t.Error("labelling a missing version succeeded")
	}
	if err := srv.LabelVersion("/missing", 1, "x"); err == nil {
		t.Error("labelling a missing parameter succeeded")
	}
}

func TestGetParameters(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/a", "A1")
	srv.Put("/a", "A2")
	srv.Put("/b", "B")
	srv.PutSecure("/s", "S")
	client := srv.Client()

	out, err := client.GetParameters(t.Context(), &ssm.GetParametersInput{
		Names:          []string{"/a", "/a:1", "/b", "/missing", "/b:5", "/s", "/a"},
		WithDecryption: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var params []got
	for i := range out.Parameters {
		params = append(params, param(&out.Parameters[i]))
	}
	want := []got{
		{Name: "/a", Type: "String", Value: "A2", Version: 2},
		{Name: "/a", Type: "String", Value: "A1", Version: 1, Selector: ":1"},
		{Name: "/b", Type: "String", Value: "B", Version: 1},
		{Name: "/s", Type: "SecureString", Value: "S", Version: 1},
	}
	if diff := cmp.Diff(want, params); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/missing", "/b:5"}, out.InvalidParameters); diff != "" {
		t.Errorf("invalid parameters (-want +got):\n%s", diff)
	}

	t.Run("limits", func(t *testing.T) {
		names := make([]string, 11)
		for i := range names {
			names[i] = fmt.Sprintf("/n%d", i)
		}
		before := srv.Requests(ssmtest.OpGetParameters)
		_, err := client.GetParameters(t.Context(), &ssm.GetParametersInput{Names: names})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("11 names: got %T %v, want *types.ValidationException", err, err)
		}
		if n := srv.Requests(ssmtest.OpGetParameters) - before; n != 1 {
			t.Errorf("11 names: %d requests, want 1 (not retried)", n)
		}
		long := "/" + string(make([]byte, ssmtest.MaxNameLength))
		if _, err := client.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{long}}); errCode(err) != "ValidationException" {
			t.Errorf("long name: %v, want ValidationException", err)
		}
	})
}

func TestGetParametersByPathPaging(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("/app/k%02d", i)
		srv.Put(name, "v")
		want = append(want, name)
	}
	srv.Put("/app/sub/deep", "v")
	srv.Put("/other/x", "v")
	client := srv.Client()

	for _, recursive := range []bool{false, true} {
		t.Run(fmt.Sprint("recursive=", recursive), func(t *testing.T) {
			p := ssm.NewGetParametersByPathPaginator(client, &ssm.GetParametersByPathInput{
				Path: aws.String("/app"), Recursive: aws.Bool(recursive)})
			var names []string
			pages := 0
			for p.HasMorePages() {
				out, err := p.NextPage(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(out.Parameters) > ssmtest.MaxResultsPerPage {
					t.Errorf("page of %d results", len(out.Parameters))
				}
				for _, prm := range out.Parameters {
					names = append(names, aws.ToString(prm.Name))
				}
			}
			exp := want
			if recursive {
				exp = append(append([]string(nil), want...), "/app/sub/deep")
			}
			if diff := cmp.Diff(exp, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if wantPages := (len(exp) + 9) / 10; pages != wantPages {
				t.Errorf("%d pages, want %d", pages, wantPages)
			}
		})
	}
	_, err := client.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/app"), MaxResults: aws.Int32(11)})
	if errCode(err) != "ValidationException" {
		t.Errorf("MaxResults 11: %v, want ValidationException", err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     ssmtest.Fault
		names     []string
		ask       string
		wantCode  string // "" = success
		wantCalls int
	}{
		{name: "500 is retried to the end", fault: ssmtest.InternalError(), ask: "/a", wantCode: "InternalServerError", wantCalls: 3},
		{name: "500 once then success", fault: ssmtest.InternalError().Times(1), ask: "/a", wantCalls: 2},
		{name: "throttled twice then success", fault: ssmtest.Throttling().Times(2), ask: "/a", wantCalls: 3},
		{name: "access denied is not retried", fault: ssmtest.AccessDenied(), ask: "/a", wantCode: "AccessDeniedException", wantCalls: 1},
		{name: "invalid key id", fault: ssmtest.InvalidKeyID(), ask: "/a", wantCode: "InvalidKeyId", wantCalls: 1},
		{name: "any code", fault: ssmtest.ErrorCode(400, "ExpiredTokenException", "expired"), ask: "/a", wantCode: "ExpiredTokenException", wantCalls: 1},
		{name: "fault on another name", fault: ssmtest.AccessDenied(), names: []string{"/b"}, ask: "/a", wantCalls: 1},
		{name: "fault on this name with selector", fault: ssmtest.AccessDenied(), names: []string{"/a"}, ask: "/a:1", wantCode: "AccessDeniedException", wantCalls: 1},
		{name: "dropped connection is retried", fault: ssmtest.DropConnection().Times(2), ask: "/a", wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ssmtest.NewServer(t)
			srv.Put("/a", "A")
			srv.Inject(tt.fault, tt.names...)
			out, err := srv.Client().GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(tt.ask)})
			if code := errCode(err); code != tt.wantCode {
				t.Errorf("error code %q, want %q", code, tt.wantCode)
			}
			if err == nil && aws.ToString(out.Parameter.Value) != "A" {
				t.Errorf("value %q, want A", aws.ToString(out.Parameter.Value))
			}
			if n := srv.Requests(ssmtest.OpGetParameter); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestDroppedConnectionEveryTime(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/a", "A")
	srv.Inject(ssmtest.DropConnection())
	_, err := srv.Client().GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("got %v, want a connection error", err)
	}
	if n := srv.Requests(ssmtest.OpGetParameter); n != ssmtest.ClientMaxAttempts {
		t.Errorf("%d requests, want %d", n, ssmtest.ClientMaxAttempts)
	}
}

func TestLatencyEndsWhenClientGivesUp(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/a", "A")
	// Far longer than any test runs: the request can only end because the
	// client cancels it.
	srv.Inject(ssmtest.Latency(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := srv.Client().GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
		errc <- err
	}()
	if err := srv.WaitRequests(t.Context(), ssmtest.OpGetParameter, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	// Close waits for every handler: it returns only if the latency ended.
	srv.Close()
}

func TestReadTimeout(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/a", "A")
	srv.Inject(ssmtest.Latency(time.Hour))
	// The SDK's read timeout starts when the connection is dialled (the
	// transport reads from it at once): a timeout shorter than the time
	// to write the request on a loaded machine fails the write with "use
	// of closed network connection" instead of timing out the read.
	client := srv.Client(ssmtest.WithReadTimeout(250 * time.Millisecond))
	_, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if n := srv.Requests(ssmtest.OpGetParameter); n != ssmtest.ClientMaxAttempts {
		t.Errorf("%d requests, want %d (timeouts are retried)", n, ssmtest.ClientMaxAttempts)
	}
}

func TestCountsAndCalls(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/a", "A")
	client := srv.Client(ssmtest.WithMaxAttempts(1))
	ctx := t.Context()
	_, _ = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	_, _ = client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/a", "/b:2"}})
	_, _ = client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/")})
	srv.Inject(ssmtest.InternalError())
	_, _ = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})

	want := []ssmtest.Call{
		{Op: ssmtest.OpGetParameter, Names: []string{"/a"}},
		{Op: ssmtest.OpGetParameters, Names: []string{"/a", "/b:2"}},
		{Op: ssmtest.OpGetParametersByPath, Names: []string{"/"}},
		{Op: ssmtest.OpGetParameter, Names: []string{"/a"}},
	}
	if diff := cmp.Diff(want, srv.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	counts := map[string]int{}
	for _, op := range []string{ssmtest.OpGetParameter, ssmtest.OpGetParameters, ssmtest.OpGetParametersByPath} {
		counts[op] = srv.Requests(op)
	}
	if diff := cmp.Diff(map[string]int{"GetParameter": 2, "GetParameters": 1, "GetParametersByPath": 1}, counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if n := srv.TotalRequests(); n != 4 {
		t.Errorf("total %d, want 4", n)
	}
	srv.ResetCounts()
	if n := srv.TotalRequests(); n != 0 || len(srv.Calls()) != 0 {
		t.Errorf("after reset: total %d, calls %d", n, len(srv.Calls()))
	}
}

// recordingTB records Error calls instead of failing the test.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

func TestPutInvalidNameFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	srv := ssmtest.NewServer(rec)
	for _, name := range []string{"", "/a:1", "/" + strings.Repeat("x", ssmtest.MaxNameLength)} {
		if v := srv.Put(name, "v"); v != 0 {
			t.Errorf("Put(%.10q) = version %d, want 0", name, v)
		}
	}
	if len(rec.errs) != 3 {
		t.Errorf("%d test errors reported, want 3", len(rec.errs))
	}
	if names := srv.Names(); len(names) != 0 {
		t.Errorf("stored %v", names)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	t.Run("bad option", func(t *testing.T) {
		t.Parallel()
		srv, err := ssmtest.New(ssmtest.WithClock(nil))
		if err == nil || srv != nil || !strings.Contains(err.Error(), "WithClock: nil clock") {
			t.Fatalf("New(WithClock(nil)) = %v, %v; want an error naming WithClock", srv, err)
		}
	})
	t.Run("WithClock", func(t *testing.T) {
		t.Parallel()
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		srv, err := ssmtest.New(nil, ssmtest.WithClock(func() time.Time { return at }))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		srv.Put("/a", "v")
		out, err := srv.Client().GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToTime(out.Parameter.LastModifiedDate); !got.Equal(at) {
			t.Errorf("LastModifiedDate %v, want %v", got, at)
		}
	})
	t.Run("NewServer fails the test on a bad option", func(t *testing.T) {
		t.Parallel()
		rec := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			ssmtest.NewServer(rec, ssmtest.WithClock(nil))
			rec.returned = true
		}()
		<-done
		if rec.returned || !strings.Contains(rec.fatal, "WithClock: nil clock") {
			t.Errorf("NewServer returned %v, Fatal %q; want a Fatal naming WithClock", rec.returned, rec.fatal)
		}
	})
}

// fatalTB records Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	fatal    string
	returned bool
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// A request without a signature (a client with no credentials, or
// anonymous ones) is refused as the service refuses it: 400
// MissingAuthenticationTokenException, not retried by the SDK.
func TestUnsignedRequestRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		creds aws.CredentialsProvider
	}{{"no credentials", nil}, {"anonymous", aws.AnonymousCredentials{}}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ssmtest.NewServer(t)
			srv.Put("/a", "v")
			client := srv.Client(func(o *ssm.Options) { o.Credentials = tt.creds })
			_, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
			if c := errCode(err); c != "MissingAuthenticationTokenException" {
				t.Errorf("error code %q, want MissingAuthenticationTokenException", c)
			}
			if n := srv.Requests(ssmtest.OpGetParameter); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
