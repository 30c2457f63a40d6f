package awsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// serve answers one signed request of op through c and returns the
// status, the error code and the request id.
func serve(c *Core[string], op string, match ...string) (status int, code, id string) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 test")
	c.Serve(w, r, op, Exchange{Op: op, Match: match, Metered: true,
		Answer: func() (any, *APIError) { return map[string]string{"ok": op}, nil }})
	var body map[string]string
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body["__type"], w.Header().Get("X-Amzn-RequestId")
}

func TestServeFaultsAndCounts(t *testing.T) {
	t.Parallel()
	c := NewCore[string]("faketest", "message")
	c.Inject(Fault{Err: BadRequest("AccessDeniedException", "no")}, "secret")
	c.Inject(Fault{Err: &APIError{Status: 500, Code: "InternalError"}, Times: 1})

	type answer struct {
		Status   int
		Code, ID string
	}
	var got []answer
	for _, m := range []string{"secret", "other", "other", "secret"} {
		s, code, id := serve(c, "Get", m)
		got = append(got, answer{s, code, id})
	}
	want := []answer{
		{400, "AccessDeniedException", "faketest-00000001"}, // the first matching fault decides; both count it
		{200, "", "faketest-00000002"},                      // the Times(1) fault is used up
		{200, "", "faketest-00000003"},
		{400, "AccessDeniedException", "faketest-00000004"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if n := c.Requests("Get"); n != 4 {
		t.Errorf("Requests = %d, want 4", n)
	}
	if diff := cmp.Diff([]string{"Get", "Get", "Get", "Get"}, c.Calls(func(s string) string { return s })); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestServeQuotaOnTheClock(t *testing.T) {
	t.Parallel()
	c := NewCore[string]("faketest", "Message")
	now := time.Unix(1000, 0)
	if err := c.SetClock(func() time.Time { return now }); err != nil {
		t.Fatal(err)
	}
	if err := c.SetQuota(1, 1); err != nil {
		t.Fatal(err)
	}
	var hooked []bool
	if err := c.SetRequestHook(func(op string, at time.Time, throttled bool) { hooked = append(hooked, throttled) }); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for range 2 {
		_, code, _ := serve(c, "Get")
		codes = append(codes, code)
	}
	now = now.Add(time.Second)
	_, code, _ := serve(c, "Get")
	codes = append(codes, code)
	if diff := cmp.Diff([]string{"", "ThrottlingException", ""}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{false, true, false}, hooked); diff != "" {
		t.Errorf("hook (-want +got):\n%s", diff)
	}
	if n := c.Throttled(""); n != 1 {
		t.Errorf("Throttled = %d, want 1", n)
	}
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	c := NewCore[string]("faketest", "message")
	for name, err := range map[string]error{
		"nil clock":     c.SetClock(nil),
		"zero rps":      c.SetQuota(0, 1),
		"zero burst":    c.SetQuota(1, 0),
		"nil hook":      c.SetRequestHook(nil),
		"negative wait": c.SetLatency(-time.Second),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
