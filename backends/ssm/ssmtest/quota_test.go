package ssmtest_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// The quota is one bucket for the three read operations, in the server's
// clock, and a request over it is the service's ThrottlingException.
func TestQuota(t *testing.T) {
	t.Parallel()
	for _, inProcess := range []bool{false, true} {
		t.Run(map[bool]string{false: "socket", true: "in process"}[inProcess], func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			srv := ssmtest.NewServer(t, ssmtest.WithClock(clock.Now), ssmtest.WithQuota(2, 3))
			srv.Put("/a", "A")
			client := srv.Client(ssmtest.WithMaxAttempts(1))
			if inProcess {
				client = srv.InProcessClient(ssmtest.WithMaxAttempts(1))
			}
			ctx := t.Context()
			calls := []func() error{
				func() error {
					_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
					return err
				},
				func() error {
					_, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/a"}})
					return err
				},
				func() error {
					_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/")})
					return err
				},
			}
			var codes []string
			for _, call := range calls { // the burst of 3
				codes = append(codes, errCode(call()))
			}
			for _, call := range calls { // the bucket is empty
				codes = append(codes, errCode(call()))
			}
			clock.Advance(time.Second) // 2 tokens
			for _, call := range calls {
				codes = append(codes, errCode(call()))
			}
			const th = "ThrottlingException"
			want := []string{"", "", "", th, th, th, "", "", th}
			if diff := cmp.Diff(want, codes); diff != "" {
				t.Errorf("error codes (-want +got):\n%s", diff)
			}
			got := map[string][2]int{}
			for _, op := range []string{ssmtest.OpGetParameter, ssmtest.OpGetParameters, ssmtest.OpGetParametersByPath, ""} {
				got[op] = [2]int{srv.Requests(op), srv.Throttled(op)}
			}
			got["total"] = [2]int{srv.TotalRequests(), srv.Throttled("")}
			wantCounts := map[string][2]int{
				ssmtest.OpGetParameter:        {3, 1},
				ssmtest.OpGetParameters:       {3, 1},
				ssmtest.OpGetParametersByPath: {3, 2},
				"":                            {0, 4}, // Requests("") is no operation
				"total":                       {9, 4},
			}
			if diff := cmp.Diff(wantCounts, got); diff != "" {
				t.Errorf("[requests, throttled] (-want +got):\n%s", diff)
			}
			srv.ResetCounts()
			if n := srv.Throttled(""); n != 0 {
				t.Errorf("Throttled after ResetCounts = %d", n)
			}
		})
	}
}

// The SDK decodes the quota's answer to its typed error and retries it.
func TestQuotaAnswerIsTheServicesThrottle(t *testing.T) {
	t.Parallel()
	clock := newFakeClock() // never moves: the bucket never refills
	srv := ssmtest.NewServer(t, ssmtest.WithClock(clock.Now), ssmtest.WithQuota(1, 1))
	srv.Put("/a", "A")
	client := srv.Client()
	if _, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")}); err != nil {
		t.Fatal(err)
	}
	_, err := client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var te *types.ThrottlingException
	if !errors.As(err, &te) || te.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("error %v, want *types.ThrottlingException: Rate exceeded", err)
	}
	if r, th := srv.Requests(ssmtest.OpGetParameter), srv.Throttled(ssmtest.OpGetParameter); r != 1+ssmtest.ClientMaxAttempts || th != ssmtest.ClientMaxAttempts {
		t.Errorf("%d requests, %d throttled; want %d, %d (every attempt of the second call)", r, th, 1+ssmtest.ClientMaxAttempts, ssmtest.ClientMaxAttempts)
	}
}

func TestQuotaOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  ssmtest.Option
		want string // "" = valid
	}{
		{name: "quota", opt: ssmtest.WithQuota(ssmtest.DefaultQuota, 1)},
		{name: "fractional", opt: ssmtest.WithQuota(0.5, 10)},
		{name: "zero rate", opt: ssmtest.WithQuota(0, 1), want: "WithQuota(0, 1)"},
		{name: "negative rate", opt: ssmtest.WithQuota(-1, 1), want: "WithQuota(-1, 1)"},
		{name: "NaN", opt: ssmtest.WithQuota(math.NaN(), 1), want: "WithQuota(NaN, 1)"},
		{name: "infinite", opt: ssmtest.WithQuota(math.Inf(1), 1), want: "WithQuota(+Inf, 1)"},
		{name: "zero burst", opt: ssmtest.WithQuota(40, 0), want: "WithQuota(40, 0)"},
		{name: "nil hook", opt: ssmtest.WithRequestHook(nil), want: "WithRequestHook"},
		{name: "no call log", opt: ssmtest.WithCallLog(false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := ssmtest.New(tt.opt)
			if srv != nil {
				srv.Close()
			}
			if tt.want == "" {
				if err != nil {
					t.Errorf("New = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestRequestHookAndCallLog(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var (
		mu   sync.Mutex
		seen []ssmtest.Request
	)
	srv := ssmtest.NewServer(t, ssmtest.WithClock(clock.Now), ssmtest.WithQuota(1, 1), ssmtest.WithCallLog(false),
		ssmtest.WithRequestHook(func(r ssmtest.Request) {
			mu.Lock()
			seen = append(seen, r)
			mu.Unlock()
		}))
	srv.Put("/a", "A")
	client := srv.InProcessClient(ssmtest.WithMaxAttempts(1))
	t0 := clock.Now()
	_, _ = client.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
	_, _ = client.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/a"}})
	clock.Advance(time.Second)
	_, _ = client.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/")})
	want := []ssmtest.Request{
		{Op: ssmtest.OpGetParameter, At: t0},
		{Op: ssmtest.OpGetParameters, At: t0, Throttled: true},
		{Op: ssmtest.OpGetParametersByPath, At: t0.Add(time.Second)},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("hook saw (-want +got):\n%s", diff)
	}
	if calls := srv.Calls(); len(calls) != 0 || srv.TotalRequests() != 3 {
		t.Errorf("WithCallLog(false): %d calls logged, %d requests counted; want 0, 3", len(calls), srv.TotalRequests())
	}
}

func TestInProcessClient(t *testing.T) {
	t.Parallel()
	t.Run("answers and faults", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name      string
			fault     ssmtest.Fault
			wantCode  string
			wantCalls int
		}{
			{name: "no fault", wantCalls: 1},
			{name: "dropped twice, then answered", fault: ssmtest.DropConnection().Times(2), wantCalls: 3},
			{name: "throttled once", fault: ssmtest.Throttling().Times(1), wantCalls: 2},
			{name: "denied", fault: ssmtest.AccessDenied(), wantCode: "AccessDeniedException", wantCalls: 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				srv := ssmtest.NewServer(t)
				srv.PutSecure("/a", "A")
				if tt.fault != (ssmtest.Fault{}) {
					srv.Inject(tt.fault)
				}
				out, err := srv.InProcessClient().GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a"), WithDecryption: aws.Bool(true)})
				if code := errCode(err); code != tt.wantCode {
					t.Fatalf("error code %q, want %q", code, tt.wantCode)
				}
				if err == nil && aws.ToString(out.Parameter.Value) != "A" {
					t.Errorf("value %q, want A", aws.ToString(out.Parameter.Value))
				}
				if n := srv.Requests(ssmtest.OpGetParameter); n != tt.wantCalls {
					t.Errorf("%d requests, want %d", n, tt.wantCalls)
				}
			})
		}
	})
	t.Run("dropped every time is a connection error", func(t *testing.T) {
		t.Parallel()
		srv := ssmtest.NewServer(t)
		srv.Put("/a", "A")
		srv.Inject(ssmtest.DropConnection())
		_, err := srv.InProcessClient().GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/a")})
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("error %v, want a connection reset", err)
		}
		if n := srv.Requests(ssmtest.OpGetParameter); n != ssmtest.ClientMaxAttempts {
			t.Errorf("%d requests, want %d (retried)", n, ssmtest.ClientMaxAttempts)
		}
	})
	t.Run("latency ends with the context", func(t *testing.T) {
		t.Parallel()
		srv := ssmtest.NewServer(t)
		srv.Put("/a", "A")
		srv.Inject(ssmtest.Latency(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := srv.InProcessClient().GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
			done <- err
		}()
		if err := srv.WaitRequests(t.Context(), ssmtest.OpGetParameter, 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
	t.Run("many clients at once", func(t *testing.T) {
		t.Parallel()
		srv := ssmtest.NewServer(t, ssmtest.WithCallLog(false))
		srv.Put("/a", "A")
		const clients = 500
		var wg sync.WaitGroup
		errs := make([]error, clients)
		for i := range clients {
			wg.Go(func() {
				c := srv.InProcessClient()
				out, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/a", "/b"}})
				if err == nil && (len(out.Parameters) != 1 || len(out.InvalidParameters) != 1) {
					err = errors.New("wrong answer")
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if n := srv.Requests(ssmtest.OpGetParameters); n != clients {
			t.Errorf("%d requests, want %d", n, clients)
		}
	})
}

// BenchmarkGetParameters compares one GetParameters call of 10 names over
// the loopback socket and in process.
func BenchmarkGetParameters(b *testing.B) {
	srv := ssmtest.NewServer(b, ssmtest.WithCallLog(false))
	var names []string
	for i := range 10 {
		name := "/bench/p" + string(rune('0'+i))
		srv.Put(name, "v")
		names = append(names, name)
	}
	for _, c := range []struct {
		name   string
		client *ssm.Client
	}{{"socket", srv.Client()}, {"in-process", srv.InProcessClient()}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.client.GetParameters(b.Context(), &ssm.GetParametersInput{Names: names}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
