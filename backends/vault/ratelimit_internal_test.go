package vault

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n          int
		retryAfter time.Duration
		jitter     float64
		want       time.Duration
	}{
		{1, 0, 0, 250 * time.Millisecond},
		{1, 0, 0.999, 250*time.Millisecond + 124875*time.Microsecond},
		{2, 0, 0, 500 * time.Millisecond},
		{3, 0, 0, time.Second},
		{9, 0, 0, time.Second},
		{100, 0, 0, time.Second},
		{1, 3 * time.Second, 0, 3 * time.Second},
		{1, 3 * time.Second, 0.5, 3*time.Second + 750*time.Millisecond},
		{3, 100 * time.Millisecond, 0, time.Second},
	} {
		r := &reads{jitter: func() float64 { return tc.jitter }}
		if got := r.backoff(tc.n, tc.retryAfter); got != tc.want {
			t.Errorf("backoff(%d, %v) with jitter %v = %v, want %v", tc.n, tc.retryAfter, tc.jitter, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0", 0},
		{"-1", 0},
		{"soon", 0},
		{"3600", CallTimeout},
		{now.Add(2 * time.Second).Format(http.TimeFormat), 2 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}
