package awsfake

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPages(t *testing.T) {
	t.Parallel()
	p := NewPages("fake", 10)
	for _, bad := range [][]int{{0, 0}, {11}, {-1, 3}, nil} {
		if err := p.SetSizes(bad); err == nil || !strings.Contains(err.Error(), "fake: WithPageSizes") {
			t.Errorf("SetSizes(%v) = %v; want an error naming fake and WithPageSizes", bad, err)
		}
	}
	if got := p.Next(10); got != 10 {
		t.Errorf("Next(10) without sizes = %d; want 10", got)
	}
	if err := p.SetSizes([]int{0, 3}); err != nil {
		t.Fatal(err)
	}
	var got []int
	tokens := map[string]bool{}
	for range 4 {
		got = append(got, p.Next(2))
		tokens[p.Token(5)] = true
	}
	// Pages answered so far: 1, so the sizes start at sizes[1].
	if diff := cmp.Diff([]int{2, 0, 2, 0}, got); diff != "" {
		t.Errorf("Next(2) sizes (-want +got):\n%s", diff)
	}
	if len(tokens) != 4 {
		t.Errorf("4 tokens for the same offset, %d distinct; want every token different", len(tokens))
	}
	for tok := range tokens {
		if off, ok := p.Offset(tok); !ok || off != 5 {
			t.Errorf("Offset(%q) = %d, %v; want 5, true", tok, off, ok)
		}
	}
	other := NewPages("other", 10)
	for _, bad := range []string{"nope", "", other.Token(5)} {
		if off, ok := p.Offset(bad); ok {
			t.Errorf("Offset(%q) = %d, true; want false", bad, off)
		}
	}
}
