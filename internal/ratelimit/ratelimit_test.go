package ratelimit

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rps   float64
		burst int
		ok    bool
	}{
		{rps: 40, burst: 1, ok: true},
		{rps: 0.5, burst: 10, ok: true},
		{rps: 0, burst: 1},
		{rps: -1, burst: 1},
		{rps: math.NaN(), burst: 1},
		{rps: math.Inf(1), burst: 1},
		{rps: 40, burst: 0},
		{rps: 40, burst: -3},
	}
	for _, tt := range tests {
		l, err := New(tt.rps, tt.burst)
		if (err == nil) != tt.ok || (l != nil) != tt.ok {
			t.Errorf("New(%v, %d) = %v, %v; want ok=%v", tt.rps, tt.burst, l, err, tt.ok)
		}
	}
}

func TestWait(t *testing.T) {
	t.Parallel()
	if err := Wait(context.Background(), nil); err != nil {
		t.Fatalf("Wait(nil limiter) = %v", err)
	}
	l, err := New(1e-6, 1) // one request, then the next in 10^6 s (11 days)
	if err != nil {
		t.Fatal(err)
	}
	if err := Wait(context.Background(), l); err != nil {
		t.Fatalf("first Wait = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, l); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(canceled) = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := Wait(ctx, l); !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Errorf("Wait(deadline before turn) = %v (ctx.Err %v), want context.DeadlineExceeded at once", err, ctx.Err())
	}
}
