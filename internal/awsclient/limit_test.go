package awsclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
)

func TestWaitAndCanceled(t *testing.T) {
	t.Parallel()
	ref := vaultly.Ref{Path: "/app/key"}
	// A limiter whose next turn is far away: a wait under a near deadline
	// gives up at once.
	l := rate.NewLimiter(rate.Limit(1e-6), 1)
	l.Allow()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	werr := Wait(ctx, l)
	var le *LimitError
	if !errors.As(werr, &le) || !errors.Is(werr, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v; want a *LimitError matching context.DeadlineExceeded", werr)
	}
	if err := Wait(ctx, nil); err != nil {
		t.Errorf("Wait(nil limiter) = %v; want nil", err)
	}

	canceled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	other := errors.New("connection reset")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error // nil: not a cancellation
	}{
		{"limit wait gave up", ctx, werr, context.DeadlineExceeded},
		{"context ended", canceled, other, context.Canceled},
		{"other failure", ctx, other, nil},
	}
	for _, tt := range tests {
		got := Canceled(tt.ctx, "ssm", ref, tt.err)
		if tt.want == nil {
			if got != nil {
				t.Errorf("%s: Canceled = %v; want nil", tt.name, got)
			}
			continue
		}
		var be *vaultly.BackendError
		if !errors.As(got, &be) || be.Kind != tt.want || be.Ref != ref || !errors.Is(got, tt.err) {
			t.Errorf("%s: Canceled = %#v; want a BackendError of kind %v for %v wrapping %v", tt.name, got, tt.want, ref, tt.err)
			continue
		}
		for _, kind := range []error{vaultly.ErrTransient, vaultly.ErrNotFound, vaultly.ErrAuth, vaultly.ErrConfig} {
			if errors.Is(got, kind) {
				t.Errorf("%s: Canceled matches %v; want no kind", tt.name, kind)
			}
		}
		if !strings.HasPrefix(got.Error(), "ssm") {
			t.Errorf("%s: Canceled = %q; want it to name the backend", tt.name, got)
		}
	}
}
